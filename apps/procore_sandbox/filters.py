"""List filters (procore-api.md §3.4): `filters[...]` ranges, ids, origin ids, deleted, dates."""

from datetime import UTC, date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .http import ApiError
from .models import SandboxRecord

RANGE_FIELDS = ("created_at", "updated_at", "deleted_at")
HANDLED = {*RANGE_FIELDS, "id", "origin_id", "include_deleted", "search", "by_status"}


def values(query: QueryDict, name: str) -> list[str]:
    """`filters[x]=a`, `filters[x][]=a&filters[x][]=b` and `filters[x]=a,b` alike."""
    found = [*query.getlist(f"filters[{name}]"), *query.getlist(f"filters[{name}][]")]
    return [part.strip() for value in found for part in value.split(",") if part.strip()]


def apply(
    queryset: QuerySet[SandboxRecord], query: QueryDict, declared: set[str]
) -> QuerySet[SandboxRecord]:
    """Filter by what the query asks; equality filters only where the OAS declares them."""
    queryset = _deleted(queryset, query)
    for field in RANGE_FIELDS:
        for value in values(query, field):
            start, end = parse_range(value)
            queryset = queryset.filter(**{f"{field}__gte": start, f"{field}__lte": end})
    if ids := values(query, "id"):
        queryset = queryset.filter(id__in=[int(v) for v in ids if v.isdigit()])
    if origins := values(query, "origin_id"):
        queryset = queryset.filter(origin_id__in=origins)
    if search := query.get("filters[search]"):
        queryset = queryset.filter(
            Q(data__name__icontains=search) | Q(data__last_name__icontains=search)
        )
    if "by_status" in declared:
        queryset = _by_status(queryset, query.get("filters[by_status]") or "Active")
    for name in declared - HANDLED:
        if wanted := values(query, name):
            queryset = queryset.filter(equals(name, wanted))
    return queryset


def _by_status(queryset: QuerySet[SandboxRecord], status: str) -> QuerySet[SandboxRecord]:
    """§4 projects: `Active` (the default), `Inactive` or `All`, by the boolean `active`."""
    if status == "Inactive":
        return queryset.filter(data__active=False)
    if status == "All":
        return queryset
    return queryset.exclude(data__active=False)


def _deleted(queryset: QuerySet[SandboxRecord], query: QueryDict) -> QuerySet[SandboxRecord]:
    mode = query.get("filters[include_deleted]") or query.get("include_deleted") or ""
    if mode == "only":
        return queryset.exclude(deleted_at=None)
    if mode in ("with", "true"):
        return queryset
    return queryset.filter(deleted_at=None)


def equals(field: str, wanted: list[str]) -> Q:
    """Match a JSON field against query strings, whatever JSON type the field holds."""
    condition = Q()
    for value in wanted:
        condition |= Q(**{f"data__{field}": value})
        if value.lstrip("-").isdigit():
            condition |= Q(**{f"data__{field}": int(value)})
        if value in ("true", "false"):
            condition |= Q(**{f"data__{field}": value == "true"})
    return condition


def parse_range(value: str) -> tuple[datetime, datetime]:
    """`2016-09-23...2016-09-24` or ISO 8601 datetimes joined by `...`, quotes allowed."""
    start, sep, end = value.strip('"').partition("...")
    if not sep:
        raise ApiError(400, f"Invalid date range: {value}")
    return _moment(start, end_of_day=False), _moment(end, end_of_day=True)


def _moment(text: str, *, end_of_day: bool) -> datetime:
    text = text.strip().replace(" ", "+")  # a '+' offset arrives as a space when unescaped
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max if end_of_day else time.min)
            return moment.replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ApiError(400, f"Invalid date: {text}") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def by_dates(queryset: QuerySet[SandboxRecord], query: QueryDict, today_by_default: bool) -> Any:
    """§3.4 daily logs: `log_date`, or `start_date`/`end_date`; nothing given -> today only."""
    if log_date := query.get("log_date"):
        return queryset.filter(data__date=log_date)
    start, end = query.get("start_date"), query.get("end_date")
    if start or end:
        return queryset.filter(
            data__date__gte=start or "0000-01-01", data__date__lte=end or "9999-12-31"
        )
    if today_by_default:
        return queryset.filter(data__date=timezone.localdate().isoformat())
    return queryset
