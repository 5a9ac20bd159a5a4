"""Procore webhooks: register hooks for an office's company, and take deliveries.

Procore signs nothing (procore-api.md §10.2): it sends back the `destination_headers` we
registered. So a delivery is authenticated twice: the secret URL names the office, and the
`Authorization` header (the one header the hook's OAS declares) carries a per-office secret, of
which we keep only a SHA-256 and which each registration replaces. A delivery without the right
secret is refused (401) and leaves no trace; one naming another company than the connection's is
kept as ignored. Deliveries are at least once, so each event is kept once by its `ulid` (or `id`);
events caused by our own writes (`metadata.source_application_id`) are dropped; anything else
is kept as a pending change, applied by a "webhook" run that reads just that record
(webhook_flow/), queued after the commit so a worker starts on it at once; Procore waits at
most 5 s for our 2xx.

Hooks registered before the secret existed send no header, so their deliveries are refused
until the office registers again (choosing its Procore company again, or
`manage.py procore_webhooks_register --office ID`); the schedule catches changes meanwhile.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .client import resources
from .client.errors import ValidationError
from .client.http import ProcoreClient
from .engine_models import ChangeState, SyncSettings, WebhookDelivery
from .models import ConnectionStatus, ProcoreConnection
from .runs import sync_settings_for
from .webhook_flow.changes import changes_queue

NAMESPACE = "trestle"
CREATE_UPDATE = ("create", "update")
ALL_EVENTS = ("create", "update", "delete")
AUTH_HEADER = "Authorization"  # the only destination header Procore's hook body declares
AUTH_SCHEME = "Bearer "
ANOTHER_COMPANY = "ignored: another company"
SYNC = "sync"
logger = logging.getLogger(__name__)


class Subscription(NamedTuple):
    entity: str  # the kind the "webhook" flow applies (webhook_flow/apply.py HANDLERS)
    events: tuple[str, ...]  # only those Procore publishes for the resource (procore-api.md §10.2)


# Procore resource name -> what its events sync. Names and events are those of Procore's
# resources list (§10.2 [MECH]): Company Users, Company Vendors and Projects have no delete
# event, Timecard Time Types no update. Left to the schedule, as Procore publishes no event for
# them: work classifications and crews (no such resource), subcontractor invoices (§10.2 lists
# no "Requisitions" resource). A Change Event's events and its lines' both re-read the pushed
# Change Event: its status goes to the COR log, its lines to the report
# (webhook_flow/change_events.py).
RESOURCES: dict[str, Subscription] = {
    "Company Users": Subscription("employees", CREATE_UPDATE),
    "Projects": Subscription("projects", CREATE_UPDATE),
    "Sub Jobs": Subscription("sub_jobs", ALL_EVENTS),
    "Company Vendors": Subscription("vendors", CREATE_UPDATE),
    "Standard Cost Codes": Subscription("cost_codes", ALL_EVENTS),
    "Timecard Time Types": Subscription("time_types", ("create", "delete")),
    "Change Events": Subscription("change_events", ALL_EVENTS),
    "Change Event Line Items": Subscription("change_events", ALL_EVENTS),
    "Work Order Contracts": Subscription("commitments", ALL_EVENTS),
    "Purchase Order Contracts": Subscription("commitments", ALL_EVENTS),
}


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
    secret = _secret_rotate(settings)
    hook = resources.hook_create(
        client,
        company_id=company,
        hook={
            "api_version": "v2",
            "namespace": NAMESPACE,
            "destination_url": destination_url(settings),
            "destination_headers": {AUTH_HEADER: AUTH_SCHEME + secret},
        },
    )
    _triggers_register(client, hook["id"], company_id=company)
    return hook["id"]


def _secret_rotate(settings: SyncSettings) -> str:
    """A new secret for the hook about to be created; only its hash is kept."""
    secret = secrets.token_urlsafe(32)
    settings.webhook_secret_hash = _digest(secret)
    settings.save(update_fields=["webhook_secret_hash"])
    return secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_matches(settings: SyncSettings, authorization: str) -> bool:
    """The header is `Bearer <secret>`; an office without a stored hash accepts nothing."""
    if not settings.webhook_secret_hash or not authorization.startswith(AUTH_SCHEME):
        return False
    presented = _digest(authorization[len(AUTH_SCHEME) :])
    return hmac.compare_digest(presented, settings.webhook_secret_hash)


def _triggers_register(client: ProcoreClient, hook_id: int, *, company_id: int) -> None:
    """One bulk call for every trigger; raises ValidationError naming each one Procore refused."""
    wanted = [
        {"resource_name": name, "event_type": event}
        for name, subscription in RESOURCES.items()
        for event in subscription.events
    ]
    answer = resources.triggers_bulk_create(client, hook_id, company_id=company_id, triggers=wanted)
    failed = answer.get("failed") if isinstance(answer, dict) else None
    if failed:
        refused = "; ".join(_refusal(item) for item in failed)
        logger.error("procore refused webhook triggers of hook %s: %s", hook_id, refused)
        raise ValidationError(f"Procore refused {len(failed)} webhook trigger(s): {refused}")


def _refusal(failed: object) -> str:
    if not isinstance(failed, dict):
        return str(failed)
    trigger = failed.get("trigger") if isinstance(failed.get("trigger"), dict) else {}
    said = failed.get("errors") or failed.get("message") or "refused"
    return f"{trigger.get('resource_name')} {trigger.get('event_type')}: {said}"


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


def webhook_receive(
    *, token: str, authorization: str, event: dict, enqueue: Callable[[int], None]
) -> str | None:
    """Returns the outcome, or None when the token names no office or the `Authorization`
    header does not carry its secret (the caller answers 401; nothing is recorded)."""
    settings = SyncSettings.objects.select_related("office").filter(webhook_token=token).first()
    if settings is None or not token or not _secret_matches(settings, authorization):
        return None
    key = _event_key(event)
    if key is None:
        return "ignored: no event id"
    outcome = _outcome(event, company_id=_company_of(settings))
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                office=settings.office,
                event_key=key,
                resource_name=str(event.get("resource_name", ""))[:100],
                event_type=str(event.get("event_type", ""))[:20],
                resource_id=_id(event.get("resource_id")),
                project_id=_id(event.get("project_id")),
                outcome=outcome,
                event_at=WebhookDelivery.event_time(event),
                state=ChangeState.PENDING if outcome == SYNC else ChangeState.NONE,
            )
            if outcome == SYNC:
                changes_queue(settings.office, enqueue=enqueue)
    except IntegrityError:
        return "duplicate"
    SyncSettings.objects.filter(pk=settings.pk).update(last_webhook_at=timezone.now())
    return outcome


def _id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _our_application_id() -> str:
    """What Procore puts in `metadata.source_application_id` for our writes: PROCORE_APP_ID,
    else our OAuth client id. Procore does not say which id of an app it sends; the embedded
    sandbox sends the client id (procore_sandbox.webhooks.Actor), so the default agrees with it."""
    return str(django_settings.PROCORE_APP_ID or django_settings.PROCORE_CLIENT_ID)


def _company_of(settings: SyncSettings) -> int | None:
    live = ProcoreConnection.objects.filter(office=settings.office).exclude(
        status=ConnectionStatus.DISCONNECTED
    )
    return live.values_list("company_id", flat=True).first()


def _outcome(event: dict, *, company_id: int | None) -> str:
    # A valid URL and secret still name one office: an event of another company is never its own.
    if company_id is None or str(event.get("company_id")) != str(company_id):
        return ANOTHER_COMPANY
    metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
    if str(metadata.get("source_application_id") or "") == _our_application_id():
        return "echo of our own write"
    if event.get("resource_name") not in RESOURCES:
        return "ignored: resource not synced"
    if _id(event.get("resource_id")) is None:
        return "ignored: names no record"  # nothing to read by id; the schedule catches it
    return SYNC
