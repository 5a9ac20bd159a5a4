"""Procore webhooks: register hooks for an office's company, and take deliveries.

Procore signs nothing (procore-api.md §10.2): a delivery is authenticated by the secret URL we
registered. Deliveries are at least once, so each event is kept once by its `ulid` (or `id`);
events caused by our own writes (`metadata.source_application_id`) are dropped; anything else
starts an incremental run of what changed, after the 2xx that Procore waits at most 5 s for.
"""

import secrets
from collections.abc import Callable

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .client import resources
from .client.http import ProcoreClient
from .engine_models import SyncSettings, Trigger, WebhookDelivery
from .models import ProcoreConnection
from .runs import run_queue, sync_settings_for

NAMESPACE = "trestle"
# Procore resource name -> (flow, entity)
RESOURCES: dict[str, tuple[str, str]] = {
    "Company Users": ("entities", "employees"),
    "Projects": ("entities", "projects"),
    "Sub Jobs": ("entities", "sub_jobs"),
    "Company Vendors": ("entities", "vendors"),
    "Standard Cost Codes": ("entities", "cost_codes"),
    "Timecard Time Types": ("entities", "time_types"),
    "Change Events": ("change_event_statuses", "change_events"),
    # §10.2 lists no "Requisitions" (nor "Subcontractor Invoices") resource: a trigger on an
    # unknown name would fail registration, so invoices come with their commitments' events
    # and the schedule.
    "Work Order Contracts": ("ap_import", "commitments"),
    "Purchase Order Contracts": ("ap_import", "commitments"),
}
EVENT_TYPES = ("create", "update", "delete")


def destination_url(settings: SyncSettings) -> str:
    path = reverse("procore_webhook", args=[settings.webhook_token])
    return django_settings.SITE_URL.rstrip("/") + path


def webhooks_register(connection: ProcoreConnection) -> int:
    """(Re)create our hook and its triggers for the connection's company; returns the hook id."""
    settings = sync_settings_for(connection.office)
    if not settings.webhook_token:
        settings.webhook_token = secrets.token_urlsafe(32)
        settings.save(update_fields=["webhook_token"])
    client, company = ProcoreClient(connection), connection.company_id
    webhooks_deregister(connection, client=client)
    hook = resources.hook_create(
        client,
        company_id=company,
        hook={
            "api_version": "v2",
            "namespace": NAMESPACE,
            "destination_url": destination_url(settings),
        },
    )
    for resource_name in RESOURCES:
        for event_type in EVENT_TYPES:
            resources.trigger_create(
                client,
                hook["id"],
                company_id=company,
                resource_name=resource_name,
                event_type=event_type,
            )
    return hook["id"]


def webhooks_deregister(
    connection: ProcoreConnection, *, client: ProcoreClient | None = None
) -> None:
    if connection.company_id is None:
        return  # no company chosen yet, so no hook was ever registered
    client = client or ProcoreClient(connection)
    for hook in resources.hooks(client, company_id=connection.company_id, namespace=NAMESPACE):
        resources.hook_delete(client, hook["id"], company_id=connection.company_id)


def _event_key(event: dict) -> str | None:
    key = event.get("ulid") or event.get("id")
    return str(key)[:64] if key not in (None, "") else None


def webhook_receive(*, token: str, event: dict, enqueue: Callable[[int], None]) -> str | None:
    """Returns the outcome, or None when the token names no office (the caller answers 401)."""
    settings = SyncSettings.objects.select_related("office").filter(webhook_token=token).first()
    if settings is None or not token:
        return None
    key = _event_key(event)
    if key is None:
        return "ignored: no event id"
    outcome = _outcome(event)
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                office=settings.office,
                event_key=key,
                resource_name=str(event.get("resource_name", ""))[:100],
                event_type=str(event.get("event_type", ""))[:20],
                resource_id=event.get("resource_id")
                if isinstance(event.get("resource_id"), int)
                else None,
                outcome=outcome,
            )
    except IntegrityError:
        return "duplicate"
    SyncSettings.objects.filter(pk=settings.pk).update(last_webhook_at=timezone.now())
    if outcome == "sync":
        flow, entity = RESOURCES[event["resource_name"]]
        run_queue(
            office=settings.office,
            flow=flow,
            trigger=Trigger.WEBHOOK,
            params={"entities": [entity]},
            enqueue=enqueue,
        )
    return outcome


def _outcome(event: dict) -> str:
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    ours = django_settings.PROCORE_APP_ID
    if ours and str(metadata.get("source_application_id") or "") == str(ours):
        return "echo of our own write"
    if event.get("resource_name") not in RESOURCES:
        return "ignored: resource not synced"
    return "sync"
