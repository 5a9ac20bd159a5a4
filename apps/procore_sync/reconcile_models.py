"""What the "Procore vs Trestle" report found: one row per difference, per report run."""

from django.db import models

from apps.accounts.tenancy import TenantQuerySet
from apps.offices.models import Office

from .engine_models import SyncRun


class Side(models.TextChoices):
    TRESTLE = "trestle", "Trestle"
    PROCORE = "procore", "Procore"
    BOTH = "both", "Both"
    UNKNOWN = "unknown", "Unknown"


class DiffField(models.TextChoices):
    AMOUNT = "amount", "Amount"
    BUDGET_CODE = "budget_code", "Budget code"
    CONTRACT = "contract", "Contract"
    STATUS = "status", "Status"
    MISSING_LINE = "missing_line", "Line missing in Procore"
    EXTRA_LINE = "extra_line", "Line no longer in Trestle"
    EVENT_DELETED = "event_deleted", "Change Event deleted"
    HOURS = "hours", "Hours"
    ATTACHMENTS = "attachments", "Attachments"
    VALUE = "value", "Synced field"
    MISSING_RECORD = "missing_record", "Missing in Procore"
    EXTRA_RECORD = "extra_record", "Only in Procore"
    RECORD_DELETED = "record_deleted", "Deleted in Procore"


class Repair(models.TextChoices):
    PUSH_AGAIN = "push_again", "Push again"
    PUSH_NEW_EVENT = "push_new_event", "Push into a new Change Event"
    UPDATE_LOG = "update_log", "Update the COR log"
    SEND_AGAIN = "send_again", "Send again"
    WITHDRAW = "withdraw", "Withdraw from Procore"
    REIMPORT = "reimport", "Import again"
    SYNC_AGAIN = "sync_again", "Sync again"
    UNLINK = "unlink", "Unlink"


class Difference(models.Model):
    """One thing Procore holds differently from Trestle, found by a "reconcile" run (or by a
    "webhook" run, for the pushed CORs whose Change Event a delivery named).

    `flow` names the comparer (reconcile/registry.py), `object_id` the Trestle record it is
    about (a COR, an employee, an invoice, a payment, a linked record's local id) and `key` what
    in it (a COR line key "line:12", a day "2026-12-01/p4", a field name). (flow, object_id,
    key, field) is the same difference from one report to the next: `first_found_at` carries
    over, and the nightly mail names only those no earlier report had.
    `procore_id` is the Procore record it concerns (a line, an entry, a requisition, a payment).
    `side` says where it changed since Trestle last wrote it, judged from what was recorded then.
    A later report supersedes it: `resolved_at` is set then, or when a repair settles it.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="differences")
    flow = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    label = models.CharField(max_length=200)
    procore_project_id = models.BigIntegerField(null=True, blank=True)
    change_event_id = models.BigIntegerField(null=True, blank=True)
    line_item_id = models.BigIntegerField(null=True, blank=True)
    procore_id = models.BigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=80, blank=True)
    field = models.CharField(max_length=20, choices=DiffField.choices)
    trestle_value = models.CharField(max_length=255, blank=True)
    procore_value = models.CharField(max_length=255, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    message = models.TextField()
    repair = models.CharField(max_length=20, choices=Repair.choices)
    repair_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    first_found_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["flow", "object_id", "key", "field"]
        indexes = [models.Index(fields=["office", "flow", "resolved_at"])]

    def __str__(self) -> str:
        return self.message

    def clip(self) -> None:
        """Cut what a comparer wrote to the columns' lengths (a long name or value)."""
        for name in ("label", "key", "trestle_value", "procore_value"):
            limit = self._meta.get_field(name).max_length
            setattr(self, name, getattr(self, name)[:limit])

    @property
    def identity(self) -> tuple:
        """What makes it the same difference in the next report."""
        return (self.flow, self.object_id, self.key, self.field)
