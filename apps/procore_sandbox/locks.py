"""procore-api.md §3.7: on financial objects an origin_id marks the record "synced" and locks it.
For contract payments every attribute but attachments, origin_id and origin_data is locked, so a
PATCH that would change another one is a 422 naming each locked field. Deleting stays allowed:
the reference does not say it is locked."""

from typing import Any

from .http import ApiError
from .models import SandboxRecord

UNLOCKED = {"contract_payments": {"attachments", "origin_id", "origin_data"}}
LOCKED_MESSAGE = "is locked: the payment is synced (it has an origin_id)"


def check_update(record: SandboxRecord, changes: dict[str, Any]) -> None:
    unlocked = UNLOCKED.get(record.resource)
    if unlocked is None or not record.origin_id:
        return
    locked = sorted(
        key
        for key, value in changes.items()
        if key not in unlocked and str(record.data.get(key)) != str(value)
    )
    if locked:
        raise ApiError(422, "Validation failed", {key: [LOCKED_MESSAGE] for key in locked})
