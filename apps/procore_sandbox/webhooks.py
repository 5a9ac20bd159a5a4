"""Webhook events for record changes (procore-api.md §10.2): what is announced, and to whom.

`store` calls `record_changed` for every create, update and soft delete (and `items_changed`
for the nested items published on their own: a Change Event's line items), so a change made
through the API, a management command, a page or `change_events.status_set` is announced alike.
It writes one `SandboxDelivery` per live hook whose triggers match, in the transaction of the
change, and wakes this process's sender when that commits (`webhook_sender.wake`).

Who made the change comes from `acting`, which `api_views.api` sets around an API call: the
token's user and app. A change from a command or page has neither (`user_id` and
`metadata.source_application_id` are null).
"""

import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from . import ids, webhook_resources, webhook_sender
from .models import SandboxDelivery, SandboxRecord

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Actor:
    """Who is changing records. `application_id` is the OAuth app's `client_id`: Procore does
    not say which id of an app `source_application_id` carries, and Trestle compares it with
    settings.PROCORE_APP_ID, which defaults to its PROCORE_CLIENT_ID (procore_sync.webhooks)."""

    user_id: int | None = None
    application_id: str | None = None


NOBODY = Actor()  # a command or a page: no user, no app
acting: ContextVar[Actor] = ContextVar("procore_sandbox_acting", default=NOBODY)


def record_changed(record: SandboxRecord, event_type: str) -> int:
    """Queue the event for every hook listening; returns how many deliveries were queued."""
    name = webhook_resources.published(record.resource, event_type)
    return _announce(record, name, event_type, record.id) if name else 0


def items_changed(record: SandboxRecord, before: dict[str, Any]) -> int:
    """Queue an event for each nested item Procore publishes on its own (a Change Event's line
    items) that this write created, changed or removed; returns how many deliveries were queued.
    An item is compared as stored, before Procore's derived fields are filled in again."""
    queued = 0
    for (resource, key), name in webhook_resources.ITEMS_PUBLISHED_AS.items():
        if record.resource != resource:
            continue
        old, new = _items(before.get(key)), _items(record.data.get(key))
        for item_id in sorted(old.keys() | new.keys()):
            if item_id not in old:
                queued += _announce(record, name, "create", item_id)
            elif item_id not in new:
                queued += _announce(record, name, "delete", item_id)
            elif old[item_id] != new[item_id]:
                queued += _announce(record, name, "update", item_id)
    return queued


def _items(items: Any) -> dict[int, dict[str, Any]]:
    listed = items if isinstance(items, list) else []
    return {item["id"]: item for item in listed if isinstance(item, dict) and "id" in item}


def _announce(record: SandboxRecord, name: str, event_type: str, resource_id: int) -> int:
    hooks = _listening(record, name, event_type)
    if not hooks:
        return 0
    event = _event(record, name, event_type, resource_id)
    SandboxDelivery.objects.bulk_create(
        SandboxDelivery(
            company_id=record.company_id,
            hook_id=hook.id,
            event=_payload(event, _version(hook)),
            created_at=record.updated_at,
            due_at=record.updated_at,
        )
        for hook in hooks
    )
    transaction.on_commit(webhook_sender.wake)
    return len(hooks)


def _listening(record: SandboxRecord, name: str, event_type: str) -> list[SandboxRecord]:
    """Live hooks of the record's company with a trigger on (name, event_type); a hook owned
    by a project (§10.1 `owned_by_project_id`) hears only that project's records."""
    triggers = SandboxRecord.objects.filter(
        company_id=record.company_id,
        resource="webhook_triggers",
        deleted_at=None,
        data__resource_name=name,
    ).values_list("parent_id", "data__event_type")
    hook_ids = {hook for hook, event in triggers if str(event).lower() == event_type}
    hooks = SandboxRecord.objects.filter(id__in=hook_ids, resource="webhook_hooks", deleted_at=None)
    return [
        hook
        for hook in hooks.order_by("id")
        if hook.data.get("status") != "disabled" and hook.project_id in (None, record.project_id)
    ]


def _event(record: SandboxRecord, name: str, event_type: str, resource_id: int) -> dict[str, Any]:
    """The event in the v2.0 payload's terms (§10.2); `resource_id` is the record's, or its
    nested item's."""
    actor = acting.get()
    return {
        "id": ids.allocate(),
        "ulid": _ulid(record.updated_at),
        "timestamp": record.updated_at.isoformat().replace("+00:00", "Z"),
        "metadata": {
            "source_user_id": actor.user_id,
            "source_project_id": record.project_id,
            "source_operation_id": None,  # §12.7: the request header that sets it is unknown
            "source_company_id": record.company_id,
            "source_application_id": actor.application_id,
        },
        "user_id": actor.user_id,
        "company_id": record.company_id,
        "project_id": record.project_id,
        "api_version": "v2.0",
        "event_type": event_type,
        "resource_name": name,
        "resource_id": resource_id,
    }


def _version(hook: SandboxRecord) -> str:
    """A v1 hook's `api_version` ("v2") or a v2 hook's `payload_version` ("v4.0")."""
    version = str(hook.data.get("payload_version") or hook.data.get("api_version") or "v2")
    return version if "." in version else f"{version}.0"


def _payload(event: dict[str, Any], version: str) -> dict[str, Any]:
    """§10.2: v2.0 as built; v3.0 adds `related_resources`; v4.0 renames and strings its ids."""
    if version == "v3.0":
        return {**event, "api_version": "v3.0", "related_resources": []}
    if version != "v4.0":
        return event
    return {
        "id": event["ulid"],
        "timestamp": event["timestamp"],
        "reason": event["event_type"],
        "company_id": _text(event["company_id"]),
        "project_id": _text(event["project_id"]),
        "user_id": _text(event["user_id"]),
        "resource_type": event["resource_name"],
        "resource_id": _text(event["resource_id"]),
    }


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _ulid(moment: datetime) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, in 26 Crockford base-32 digits."""
    value = (int(moment.timestamp() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
