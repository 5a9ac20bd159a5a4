"""Procore sync actions (`PATCH .../sync`): upsert up to 1,000 records per call by `id`/`origin_id`.

Procore answers 200 with `entities` (saved) and `errors` (each input record with an `errors` map),
so partial failure is normal and per-record. Upserting by origin_id makes a resend harmless, which
is why the client may retry these PATCHes after a timeout.
https://developers.procore.com/documentation/using-sync-actions
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from .answers import unreadable

if TYPE_CHECKING:
    from .http import ProcoreClient

SYNC_BATCH = 1000


@dataclass
class SyncResult:
    entities: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def sync_answer(body: Any) -> dict[str, list[dict[str, Any]]]:
    """`entities` and `errors` of a sync answer, each a list of records (absent: empty)."""
    if not isinstance(body, dict | None):
        raise unreadable("a sync answer that is not an object")
    parts = {key: (body or {}).get(key) or [] for key in ("entities", "errors")}
    for part in parts.values():
        if not isinstance(part, list) or not all(isinstance(r, dict) for r in part):
            raise unreadable("a sync answer whose entities or errors are not lists of records")
    return parts


def sync_action(
    client: "ProcoreClient",
    path: str,
    updates: Iterable[dict[str, Any]],
    *,
    scope: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> SyncResult:
    """Send `updates` in batches of 1,000; `scope` goes in each body (e.g. `company_id`)."""
    result = SyncResult()
    for batch in _batches(updates, SYNC_BATCH):
        body = {**(scope or {}), "updates": batch}
        answer = client.patch(path, json=body, params=params, expect=sync_answer)
        result.entities.extend(answer["entities"])
        result.errors.extend(answer["errors"])
    return result
