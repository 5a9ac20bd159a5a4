"""The one CSV writer of every export (RELIABILITY.md 26): no cell runs as a formula, and the
file streams row by row so a large export never sits whole in memory.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, as
OWASP's "CSV Injection" page recommends, so a spreadsheet shows it as text (a negative amount
included: "-110.00" reads as "'-110.00").
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


class _Echo:
    """A file-like target whose `write` returns the line, so `csv.writer` feeds a stream."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header then each row as one escaped CSV line; `rows` is consumed lazily."""
    writer = csv.writer(_Echo())
    yield writer.writerow([cell(value) for value in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def csv_response(
    *, filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A CSV download of `rows`; pass a generator over `.iterator()` to keep memory flat."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
