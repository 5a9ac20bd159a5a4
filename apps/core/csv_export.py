"""The one CSV writer of every export (RELIABILITY.md 26): no cell runs as a formula.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
spreadsheet shows it as text (a negative amount included: "-110.00" reads as "'-110.00").
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


class SafeWriter:
    """`csv.writer` over `target` whose rows are escaped; `writerow` returns what the target's
    `write` returns (the line itself for a streaming echo target)."""

    def __init__(self, target: Any) -> None:
        self._writer = csv.writer(target)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(value) for value in values])
