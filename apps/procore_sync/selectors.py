"""Reads for the Sync Activity pages and the connection-health card."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from .client.ratelimit import RateBudget
from .engine_models import SyncItem, SyncRun, SyncSettings
from .models import ConnectionStatus, ProcoreConnection


def sync_run_list(
    *, account, office_id=None, flow="", status="", date_from=None, date_to=None
) -> QuerySet[SyncRun]:
    runs = SyncRun.objects.for_account(account).select_related("office", "requested_by")
    if office_id:
        runs = runs.filter(office_id=office_id)
    if flow:
        runs = runs.filter(flow=flow)
    if status:
        runs = runs.filter(status=status)
    if date_from:
        runs = runs.filter(created_at__date__gte=date_from)
    if date_to:
        runs = runs.filter(created_at__date__lte=date_to)
    return runs


def sync_item_list(*, run: SyncRun, outcome: str = "", entity: str = "") -> QuerySet[SyncItem]:
    items = run.items.all()
    if outcome:
        items = items.filter(outcome=outcome)
    if entity:
        items = items.filter(entity=entity)
    return items


@dataclass
class ConnectionHealth:
    connection: ProcoreConnection
    rate_remaining: int | None
    rate_resets_at: datetime | None
    last_webhook_at: datetime | None


def connection_health_list(*, account) -> list[ConnectionHealth]:
    connections = (
        ProcoreConnection.objects.for_account(account)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("office", "connected_by")
    )
    webhooks = dict(
        SyncSettings.objects.for_account(account).values_list("office_id", "last_webhook_at")
    )
    health = []
    for connection in connections:
        snapshot = RateBudget(connection.pk).latest()
        health.append(
            ConnectionHealth(
                connection=connection,
                rate_remaining=snapshot.remaining if snapshot else None,
                rate_resets_at=datetime.fromtimestamp(snapshot.reset).astimezone()
                if snapshot
                else None,
                last_webhook_at=webhooks.get(connection.office_id),
            )
        )
    return health
