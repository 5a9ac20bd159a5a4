"""Writes to the generic record table: create, update, soft delete (procore-api.md §3.7).

Each write queues its webhook deliveries in the same transaction (`webhooks.record_changed`).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import ids, webhooks
from .models import SandboxCompany, SandboxRecord

# Nested lists written through their parent (§7.1 v1.0 line items, §7.2 v1.1 change items):
# body key -> stored key. Items with an `id` update that item; `deleted: true` removes it.
NESTED = {
    "change_event_line_items_attributes": "change_event_line_items",
    "change_items": "change_items",
}


class DuplicateOrigin(Exception):
    """Another record of the company already has this origin_id (§3.7)."""


def origin_of(data: dict[str, Any]) -> str | None:
    value = data.get("origin_id")
    return None if value in (None, "") else str(value)


def records(company: SandboxCompany, names: tuple[str, ...]) -> QuerySet[SandboxRecord]:
    return SandboxRecord.objects.select_related("company").filter(
        company=company, resource__in=names
    )


def record_create(
    *,
    company: SandboxCompany,
    resource: str,
    data: dict[str, Any],
    project_id: int | None = None,
    parent_id: int | None = None,
) -> SandboxRecord:
    now = timezone.now()
    record = SandboxRecord(
        id=ids.allocate(),
        company=company,
        resource=resource,
        project_id=project_id,
        parent_id=parent_id,
        data=_merge({}, data),
        origin_id=origin_of(data),
        created_at=now,
        updated_at=now,
    )
    _save(record, "create", {}, force_insert=True)
    return record


def record_update(record: SandboxRecord, changes: dict[str, Any]) -> SandboxRecord:
    before = record.data
    record.data = _merge(record.data, changes)
    if "origin_id" in changes:
        record.origin_id = origin_of(changes)
    record.updated_at = timezone.now()
    _save(record, "update", before)
    return record


def record_delete(record: SandboxRecord) -> None:
    record.deleted_at = record.updated_at = timezone.now()
    _save(record, "delete", None, update_fields=["deleted_at", "updated_at"])


def _save(
    record: SandboxRecord, event_type: str, before: dict[str, Any] | None, **kwargs: Any
) -> None:
    """Save, and queue the change's webhook deliveries in the same transaction: the record's,
    and its nested items' (`before` is its data before a create or update)."""
    try:
        with transaction.atomic():
            record.save(**kwargs)
            webhooks.record_changed(record, event_type)
            if before is not None:
                webhooks.items_changed(record, before)
    except IntegrityError as error:
        raise DuplicateOrigin(record.origin_id) from error


def _merge(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(data)
    for key, value in changes.items():
        if key in NESTED and isinstance(value, list):
            stored = NESTED[key]
            merged[stored] = _merge_items(merged.get(stored) or [], value)
        else:
            merged[key] = value
    return merged


def _merge_items(items: list[dict[str, Any]], changes: list[Any]) -> list[dict[str, Any]]:
    by_id = {item["id"]: item for item in items}
    new = [change for change in changes if isinstance(change, dict) and not change.get("id")]
    next_id = ids.allocate(len(new)) if new else 0
    for change in (c for c in changes if isinstance(c, dict)):
        if change.get("id") and str(change["id"]).isdigit() and int(change["id"]) in by_id:
            item_id = int(change["id"])
            if change.get("deleted") in (True, "true") or change.get("_destroy"):
                del by_id[item_id]
            else:
                by_id[item_id] = {**by_id[item_id], **change, "id": item_id}
        elif not change.get("id"):
            by_id[next_id] = {**change, "id": next_id}
            next_id += 1
    return list(by_id.values())
