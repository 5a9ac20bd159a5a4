"""Creating a Procore record at most once, even across timeouts, crashes and retries.

Every record we create carries our id in `origin_id`. Before creating, look it up; if the create's
outcome is unknown (timeout, dropped connection, 5xx after sending), look again: a hit means the
first attempt landed. A miss still raises: the request may yet be applied by a slow server, so the
next run (which looks up first) decides, and nothing is ever created twice.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..mapping.common import is_procore_id
from .errors import MalformedAnswer, OutcomeUnknown


def first_with_origin_id(records: Iterable[dict[str, Any]], origin_id: str | int) -> dict | None:
    """The record whose origin_id is ours. Checked here too, in case an endpoint ignores the
    `filters[origin_id]` param and returns everything; stops reading pages at the first hit.

    Procore's origin_id is text. A listed record whose origin_id (or, for ours, id) cannot be
    read could be ours: "not found" would then create a twin, so the lookup fails instead
    (MalformedAnswer, try again later)."""
    wanted = str(origin_id)
    return next((r for r in _readable(records, wanted) if r["origin_id"] == wanted), None)


def by_origin_id(records: Iterable[dict[str, Any]], prefix: str) -> dict[str, dict[str, Any]]:
    """Our records of a listing (origin_id starting with `prefix`), by origin_id; read as
    strictly as `first_with_origin_id`, for the same reason."""
    return {r["origin_id"]: r for r in _readable(records, prefix, exact=False)}


def _readable(
    records: Iterable[Any], wanted: str, *, exact: bool = True
) -> Iterator[dict[str, Any]]:
    """The listed records whose origin_id matches `wanted` (or starts with it), each with a
    readable id; MalformedAnswer at the first record that might be ours but cannot be read."""
    for record in records:
        origin = record.get("origin_id") if isinstance(record, dict) else None
        if not isinstance(record, dict) or not isinstance(origin, str | None):
            raise MalformedAnswer("A record in Procore's list could not be read (its origin_id).")
        if origin is None or (origin != wanted if exact else not origin.startswith(wanted)):
            continue
        if not is_procore_id(record.get("id")):
            raise MalformedAnswer("Procore listed our record without a readable id.")
        yield record


def create_idempotent(
    *, lookup: Callable[[], dict | None], create: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """`lookup()` (by origin_id), else `create()`; on OutcomeUnknown, `lookup()` once more."""
    if (found := lookup()) is not None:
        return found
    try:
        return create()
    except OutcomeUnknown:
        if (found := lookup()) is not None:
            return found
        raise
