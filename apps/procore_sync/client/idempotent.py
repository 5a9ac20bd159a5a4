"""Creating a Procore record at most once, even across timeouts, crashes and retries.

Every record we create carries our id in `origin_id`. Before creating, look it up; if the create's
outcome is unknown (timeout, dropped connection, 5xx after sending), look again: a hit means the
first attempt landed. A miss still raises: the request may yet be applied by a slow server, so the
next run (which looks up first) decides, and nothing is ever created twice.
"""

from collections.abc import Callable, Iterable
from typing import Any

from .errors import OutcomeUnknown


def first_with_origin_id(records: Iterable[dict[str, Any]], origin_id: str | int) -> dict | None:
    """The record whose origin_id is ours. Checked here too, in case an endpoint ignores the
    `filters[origin_id]` param and returns everything; stops reading pages at the first hit."""
    wanted = str(origin_id)
    return next((r for r in records if str(r.get("origin_id")) == wanted), None)


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
