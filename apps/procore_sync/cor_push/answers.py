"""A Change Event as Procore answers it, checked where the push relies on it.

The push finds its own line items again by their tags and ids; a line whose id, description or
amount came back with the wrong type would look like a missing line and be written twice. So an
answer that fails these checks is never used: a read is tried again, and an answer to a write
counts as an unknown outcome (the write may have landed), which reads the event back.
"""

from typing import Any

from ..client.errors import MalformedAnswer
from ..mapping.common import MappingError, decimal, procore_id, text
from .lines import ours

READS = 3  # a malformed read is tried this many times before the batch fails


def checked_event(event: Any) -> dict:
    """`event` if the push can rely on it; raises MappingError naming what is wrong."""
    if not isinstance(event, dict):
        raise MappingError(f"the Change Event is {type(event).__name__}, not an object")
    procore_id(event)
    lines = event.get("change_event_line_items") or []
    if not isinstance(lines, list):
        raise MappingError("'change_event_line_items' is not a list")
    for line in lines:
        if not isinstance(line, dict) or not isinstance(line.get("description") or "", str):
            raise MappingError("a line item is not an object with a text description")
        procore_id(line)
    for line in ours(event).values():
        decimal(line, "estimated_cost_amount")
    status = event.get("change_event_status")
    if isinstance(status, dict):
        text(status, "name")
    return event


def read_event(fetch) -> dict:
    """`fetch()` until its answer is readable, at most READS times; else MalformedAnswer."""
    for attempt in range(READS):
        try:
            return checked_event(fetch())
        except MappingError as exc:
            if attempt + 1 == READS:
                raise MalformedAnswer(
                    f"Procore's answer about the Change Event could not be read ({exc})."
                ) from exc
    raise AssertionError("unreachable")
