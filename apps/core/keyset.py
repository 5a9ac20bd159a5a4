"""Keyset ("seek") pagination for long lists: a page is the rows just after (or just before) the
last row seen, in a fixed order that ends with a unique key. The database seeks to that row
through an index, so page 50 costs what page 1 costs; OFFSET reads and drops every row before it.

There is no page count: counting every row over the list's joins would cost more than the page.
The cursor in the query string is opaque to users and holds only sort values, so a cursor made
on another account's list shows nothing of that account: it only bounds the caller's own rows.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet

AFTER, BEFORE = "a", "b"
CURSOR_MAX_LENGTH = 500  # a few sort values, base64: longer is not one of ours


class InvalidCursor(ValueError):
    """A cursor this list did not make (edited, truncated, or for another sort order)."""


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows and the cursors of its neighbours ("" when there is none)."""

    object_list: list
    newer: str  # the page before this one in the list's order
    older: str  # the page after this one

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


@dataclass(frozen=True)
class _Key:
    path: str  # "employee__last_name", "pk"
    descending: bool


def keyset_page(
    queryset: QuerySet, *, order: Sequence[str], cursor: str, size: int, strict: bool = False
) -> KeysetPage:
    """The page of `queryset` that `cursor` points at: the first page for "", and for a cursor
    that does not fit `order` too, unless `strict` (the API), which raises InvalidCursor.
    `order` must end with a unique field such as "pk", so rows with equal sort keys are neither
    repeated nor skipped, and its fields must not be null."""
    keys = [_Key(name.lstrip("-"), name.startswith("-")) for name in order]
    try:
        direction, values = _decode(cursor, queryset.model, keys)
    except InvalidCursor:
        if strict:
            raise
        direction, values = AFTER, None
    backwards = direction == BEFORE
    if values is not None:
        queryset = queryset.filter(_seek(keys, values, backwards))
    ordering = [("-" if key.descending != backwards else "") + key.path for key in keys]
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows, newer="", older="")
    came_from_elsewhere = values is not None
    has_newer = more if backwards else came_from_elsewhere
    has_older = came_from_elsewhere if backwards else more
    return KeysetPage(
        rows,
        newer=_encode(BEFORE, keys, rows[0]) if has_newer else "",
        older=_encode(AFTER, keys, rows[-1]) if has_older else "",
    )


def _seek(keys: Sequence[_Key], values: Sequence[Any], backwards: bool) -> Q:
    """Rows strictly past `values` in the order of `keys` (before them when `backwards`), as
    "k0 > v0 OR (k0 = v0 AND k1 > v1) OR ...", with a plain bound on the first key that an
    index range scan can start from."""
    match = Q()
    for n, key in enumerate(keys):
        later = "lt" if key.descending != backwards else "gt"
        equal = {k.path: v for k, v in zip(keys[:n], values[:n], strict=True)}
        match |= Q(**equal, **{f"{key.path}__{later}": values[n]})
    first = "lte" if keys[0].descending != backwards else "gte"
    return Q(**{f"{keys[0].path}__{first}": values[0]}) & match


# The cursor --------------------------------------------------------------------------------------


def _encode(direction: str, keys: Sequence[_Key], row: Model) -> str:
    values = [_plain(_value_of(row, key.path)) for key in keys]
    raw = json.dumps([direction, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, model: type[Model], keys: Sequence[_Key]) -> tuple[str, list | None]:
    """(direction, typed values), or (AFTER, None) for the first page; InvalidCursor for a
    cursor that was edited, truncated or made for another sort order."""
    if not cursor:
        return AFTER, None
    try:
        if len(cursor) > CURSOR_MAX_LENGTH:
            raise ValueError("longer than any cursor of ours")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, values = json.loads(raw)
        if direction not in (AFTER, BEFORE) or len(values) != len(keys):
            raise ValueError("cursor does not fit this list")
        return direction, [
            _field(model, k.path).to_python(v) for k, v in zip(keys, values, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, ValidationError) as exc:
        raise InvalidCursor(str(exc)) from None


def _value_of(row: Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part)
    return value


def _field(model: type[Model], path: str) -> Field:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
