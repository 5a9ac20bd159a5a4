"""Paging through Procore lists (`page`/`per_page`, `Total`, `Link`), one page in memory at a time.

Page sizes: Procore's docs recommend `per_page` up to 2,000 on v1.x lists; some endpoints cap
lower (v1.1 projects: 300) and every v2.0 list caps at 100. We ask for the largest allowed; if an
endpoint gives fewer, we still follow `Link: rel="next"` (or `Total`) to the end. A page that is
not a list of records (an object without `data`, a list holding a string) is unreadable: the
client retries it, then raises MalformedAnswer rather than yield a page that is not one.
https://developers.procore.com/documentation/pagination
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .answers import unreadable

if TYPE_CHECKING:
    from .http import ProcoreClient

DEFAULT_PER_PAGE = 2000
V2_PER_PAGE = 100
PER_PAGE = {
    "/rest/v1.1/projects": 300,
}


@dataclass(frozen=True)
class Page:
    number: int
    records: list[dict[str, Any]]
    total: int | None


def per_page_for(path: str) -> int:
    if path.startswith("/rest/v2.0/"):
        return V2_PER_PAGE
    return PER_PAGE.get(path, DEFAULT_PER_PAGE)


def _range_end(value: date | datetime | str) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def filters(**by_attr: Any) -> dict[str, Any]:
    """Procore's filter params: `filters[a]=v`, `filters[a][]=1&filters[a][]=2`, ranges `x...y`.

    A 2-tuple means a range (for `created_at`/`updated_at`); a list means an array filter.
    """
    params: dict[str, Any] = {}
    for attr, value in by_attr.items():
        if isinstance(value, tuple):
            params[f"filters[{attr}]"] = "...".join(_range_end(v) for v in value)
        elif isinstance(value, list | set | frozenset):
            params[f"filters[{attr}][]"] = list(value)
        else:
            params[f"filters[{attr}]"] = value
    return params


def _total(headers: Mapping[str, str]) -> int | None:
    """Procore's `Total` header; one that is not a number is ignored (Link still pages)."""
    value = headers.get("Total") or ""
    return int(value) if value.isdigit() else None


_NEXT = re.compile(r'<[^>]*>\s*;\s*rel="?next"?')


def _has_next(headers: Mapping[str, str], page: int, per_page: int, got: int, total: int | None):
    if "Link" in headers:
        return bool(_NEXT.search(headers["Link"]))
    if total is not None:
        return page * per_page < total and got > 0
    return got >= per_page


def page_records(body: Any) -> list[dict[str, Any]]:
    """The records of a list page: a JSON list of objects, or v2.0's `{"data": [...]}`."""
    records = body.get("data") if isinstance(body, dict) else body
    if not isinstance(records, list):
        raise unreadable("a list page that holds no list of records")
    if not all(isinstance(record, dict) for record in records):
        raise unreadable("a list page with an entry that is not a record")
    return records


def pages(
    client: "ProcoreClient", path: str, params: Mapping[str, Any] | None = None
) -> Iterator[Page]:
    """Pages of a list endpoint, fetched lazily: the next request leaves only when asked for."""
    per_page = per_page_for(path)
    number = 1
    while True:
        answer = client.request(
            "GET",
            path,
            params={**(params or {}), "page": number, "per_page": per_page},
            expect=page_records,
        )
        records, headers, count = answer.body, answer.headers, len(answer.body)
        total = _total(headers)
        del answer  # hold one page, not two, while the caller works on it
        yield Page(number=number, records=records, total=total)
        del records
        if not _has_next(headers, number, per_page, count, total):
            return
        number += 1


def records(
    client: "ProcoreClient", path: str, params: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of a list endpoint, streamed page by page."""
    for page in pages(client, path, params):
        yield from page.records
        del page
