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
        answer = client.patch(path, json={**(scope or {}), "updates": batch}, params=params) or {}
        result.entities.extend(answer.get("entities", []))
        result.errors.extend(answer.get("errors", []))
    return result
