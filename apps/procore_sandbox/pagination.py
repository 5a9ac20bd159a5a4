"""Procore's v1 pagination: `page`/`per_page` in, `Total`/`Per-Page`/`Link` out (§3.3)."""

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and int(value) > 0 else default


def paginate(
    request: HttpRequest, queryset: QuerySet | list, *, default: int, cap: int
) -> tuple[list[Any], dict[str, str]]:
    """One page (per_page clamped to the endpoint's cap) and its headers."""
    per_page = min(_int(request.GET.get("per_page"), default), cap)
    page = _int(request.GET.get("page"), 1)
    total = len(queryset) if isinstance(queryset, list) else queryset.count()
    items = list(queryset[(page - 1) * per_page : page * per_page])
    headers = {"Total": str(total), "Per-Page": str(per_page)}
    last = max((total + per_page - 1) // per_page, 1)
    links = _links(request, page, last, per_page)
    if links:
        headers["Link"] = links
    return items, headers


def _links(request: HttpRequest, page: int, last: int, per_page: int) -> str:
    """§3.3: page 1 has next+last, page 2 first+next+last, later pages all four; no next at end."""
    rels = []
    if page > 1:
        rels.append(("first", 1))
    if page > 2:
        rels.append(("prev", page - 1))
    rels.append(("last", last))
    if page < last:
        rels.append(("next", page + 1))
    base = request.build_absolute_uri(request.path)
    query = request.GET.copy()
    parts = []
    for rel, number in rels:
        query["page"], query["per_page"] = str(number), str(per_page)
        parts.append(f'<{base}?{urlencode(sorted(query.lists()), doseq=True)}>; rel="{rel}"')
    return ", ".join(parts)
