"""Reads for the Sync Activity pages and the connection-health card."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery

from .client import answer_counts
from .client.ratelimit import HourlyUse, hourly_use
from .engine_models import SyncItem, SyncRun, WebhookDelivery
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
    hourly: HourlyUse
    answers: dict[str, dict[str, int]]  # {"hour"|"day": {"2xx"|"4xx"|"5xx"|"none": n}}
    last_webhook_at: datetime | None
    webhook_lag: timedelta | None  # from the change in Procore to its delivery here

    @property
    def hourly_resets_at(self) -> datetime:
        return datetime.fromtimestamp(self.hourly.resets_at, tz=UTC)

    @property
    def webhook_lag_seconds(self) -> float | None:
        return None if self.webhook_lag is None else round(self.webhook_lag.total_seconds(), 1)

    @property
    def answer_rows(self) -> list[tuple[str, str, dict[str, int]]]:
        """(span, label, counts) with template-friendly names ("2xx" is not a template key)."""
        names = {"2xx": "ok", "4xx": "refused", "5xx": "failed", "none": "none"}
        return [
            (span, label, {names[k]: v for k, v in self.answers[span].items() if k in names})
            for span, label in (("hour", "last hour"), ("day", "last day"))
        ]


def connection_health_list(*, account) -> list[ConnectionHealth]:
    """The card of each live connection, in a fixed number of queries whatever the number of
    connections: one for the connections and their last webhook, and (without Redis) one each
    for the rate budgets and the answer counts."""
    latest = WebhookDelivery.objects.filter(office=OuterRef("office")).order_by("-received_at")
    connections = list(
        ProcoreConnection.objects.for_account(account)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .select_related("office", "connected_by")
        .annotate(
            webhook_received_at=Subquery(latest.values("received_at")[:1]),
            webhook_event_at=Subquery(latest.values("event_at")[:1]),
        )
    )
    ids = [connection.pk for connection in connections]
    hourly, answers = hourly_use(ids), answer_counts.totals(ids)
    return [
        ConnectionHealth(
            connection=connection,
            hourly=hourly[connection.pk],
            answers=answers[connection.pk],
            last_webhook_at=connection.webhook_received_at,
            webhook_lag=connection.webhook_received_at - connection.webhook_event_at
            if connection.webhook_received_at and connection.webhook_event_at
            else None,
        )
        for connection in connections
    ]


@dataclass(frozen=True)
class CompanyChoice:
    id: int
    name: str
    taken_by: str  # why it cannot be chosen ("connected to North"), "" when it can


def company_choice_list(
    *, connection: ProcoreConnection, companies: list[dict]
) -> list[CompanyChoice]:
    """The companies the picker offers, each marked when another office already holds it (one
    query). Another account's office is never named: that would tell who uses Trestle."""
    others = (
        ProcoreConnection.objects.exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(pk=connection.pk)
        .filter(company_id__in=[c["id"] for c in companies])
        .select_related("office")
    )
    account_id = connection.office.account_id
    taken = {
        other.company_id: f"connected to {other.office}"
        if other.office.account_id == account_id
        else "connected to Trestle elsewhere"
        for other in others
    }
    return [CompanyChoice(c["id"], c["name"], taken.get(c["id"], "")) for c in companies]
