"""The sync engine's state: settings per office, links to Procore records, runs and their items."""

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.tenancy import TenantQuerySet
from apps.offices.models import Office

from .flows import flow_name


class Direction(models.TextChoices):
    IN = "in", "Procore to Trestle"
    OUT = "out", "Trestle to Procore"
    BOTH = "both", "Both ways"
    OFF = "off", "Off"


class SyncSettings(models.Model):
    """What an office syncs, which way, and how often; the wizard writes it, the engine reads it.

    `directions` and `auto_import` are keyed by entity (see `entities.ENTITIES`), `intervals`
    (minutes) and `flows` (on/off) by flow. `cursors` keeps, per entity, the `updated_at` up to
    which Procore's changes have been applied, and under `<entity>:covered` what its last read
    covered (the projects, the cost code list; importers/scope.py).
    """

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="sync_settings")
    directions = models.JSONField(default=dict, blank=True)
    auto_import = models.JSONField(default=dict, blank=True)
    flows = models.JSONField(default=dict, blank=True)
    intervals = models.JSONField(default=dict, blank=True)
    cost_code_list_id = models.BigIntegerField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)  # modes, e.g. time_export, ap_import
    cursors = models.JSONField(default=dict, blank=True)
    last_scheduled = models.JSONField(default=dict, blank=True)
    rerun_requested = models.JSONField(default=list, blank=True)
    webhook_token = models.CharField(max_length=64, blank=True, db_index=True)
    # SHA-256 (hex) of the secret our hook sends in its Authorization header; only compared.
    webhook_secret_hash = models.CharField(max_length=64, blank=True)
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Sync settings of {self.office}"

    def direction(self, entity_name: str) -> str:
        """Which way an entity syncs; Procore to Trestle unless the office chose otherwise."""
        return self.directions.get(entity_name, Direction.IN)


class LinkState(models.TextChoices):
    SYNCED = "synced", "Synced"
    OUT_OF_DATE = "out_of_date", "Out of date"
    ORPHANED = "orphaned", "Orphaned"
    FAILED = "failed", "Failed"
    UNLINKED = "unlinked", "Unlinked (not synced)"


class ExternalRef(models.Model):
    """Links one Trestle record to one Procore record, with a fingerprint of what was last synced.

    `procore_id` is empty while a create is in flight: the `origin_id` we sent finds it again.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    local = GenericForeignKey("content_type", "object_id")
    procore_type = models.CharField(max_length=40)
    procore_id = models.BigIntegerField(null=True, blank=True)
    origin_id = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    procore_updated_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=LinkState.choices, default=LinkState.SYNCED)
    error = models.TextField(blank=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "procore_type", "procore_id"], name="one_link_per_procore_record"
            ),
            models.UniqueConstraint(
                fields=["office", "procore_type", "content_type", "object_id"],
                name="one_link_per_local_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procore_type} {self.procore_id} ↔ {self.content_type.model} {self.object_id}"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    WEBHOOK = "webhook", "Webhook"
    USER = "user", "User"
    OPERATOR = "operator", "Operator"
    RECOVERY = "recovery", "Recovery"  # what a crashed run left undone, queued by the sweeper


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Finished with errors"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


FINISHED = (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.SKIPPED)


class SyncRun(models.Model):
    """One execution of a flow for an office: progress for the bar, counts, and the outcome."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="sync_runs")
    flow = models.CharField(max_length=40)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    # What the run resolved its request into ({"entity": "cor", "ids": [...], "done": [...]});
    # with the items, what is still undone after a crash (see work.py).
    work = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When a message for the run last went to the broker; empty while it waits without one.
    enqueued_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["office", "flow", "status"])]

    def __str__(self) -> str:
        return f"{self.flow} run {self.pk} of {self.office} ({self.status})"

    @property
    def flow_name(self) -> str:
        return flow_name(self.flow)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def can_retry(self) -> bool:
        """Finished with something undone: failed items, or the run itself failed."""
        return self.is_finished and bool(
            self.status == RunStatus.FAILED or (self.counts or {}).get("failed")
        )

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class Outcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DEACTIVATED = "deactivated", "Deactivated"
    LINKED = "linked", "Linked"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class SyncItem(models.Model):
    """What a run did to one record, with Procore's message and the fix to try when it failed."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="items")
    entity = models.CharField(max_length=40)
    direction = models.CharField(max_length=3, choices=[("in", "In"), ("out", "Out")])
    procore_id = models.BigIntegerField(null=True, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    message = models.TextField(blank=True)
    fix = models.TextField(blank=True)
    overwritten = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        # A run's items page by id (apps/core/keyset.py), with or without the outcome filter.
        indexes = [
            models.Index(fields=["run", "outcome", "id"]),
            models.Index(fields=["run", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.label}: {self.outcome}"


class ChangeState(models.TextChoices):
    """Where a delivery's change is: kept until a "webhook" run claims it, then applied or
    failed (a failed one is read again by Retry failed). Blank: nothing to apply."""

    NONE = "", "Nothing to apply"
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Being applied"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


def change_label(resource_name: str, resource_id: int | None, event_type: str) -> str:
    """How a webhook's change is named on a run's items."""
    return f"{resource_name} #{resource_id or '?'} ({event_type})"[:200]


class WebhookDelivery(models.Model):
    """A Procore event received once; its key makes at-least-once deliveries harmless. An event
    to sync is also the pending change the "webhook" flow reads by id and applies."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    event_key = models.CharField(max_length=64)
    resource_name = models.CharField(max_length=100)
    event_type = models.CharField(max_length=20)
    resource_id = models.BigIntegerField(null=True, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True)  # Procore's, for project records
    outcome = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=ChangeState.choices, blank=True, default="")
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    # When the change happened in Procore (the event's `timestamp`): the card shows the lag.
    event_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "event_key"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(fields=["office", "state"]),
            # The health card reads each office's latest delivery.
            models.Index(fields=["office", "-received_at"], name="delivery_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_name} {self.event_type} {self.resource_id} ({self.outcome})"

    @staticmethod
    def event_time(event: dict) -> datetime | None:
        """The event's `timestamp` (ISO 8601), or None when it is missing or unreadable."""
        try:
            moment = parse_datetime(str(event.get("timestamp") or ""))
        except ValueError:
            return None
        return moment if moment is not None and timezone.is_aware(moment) else None


class ImportWizard(models.Model):
    """Where an office's admin is in the Procore import wizard; kept in the database so a reload,
    a logout or another admin picks up at the same step."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="import_wizard")
    step = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField(default=dict, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Import wizard of {self.office} (step {self.step})"
