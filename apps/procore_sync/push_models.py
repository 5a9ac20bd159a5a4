"""Where a COR went in Procore: one row per COR and pushing office (contractor or customer)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet
from apps.offices.models import Office


class PushMode(models.TextChoices):
    LINES = "lines", "Line items broken down"
    LUMP_SUM = "lump_sum", "Lump sum"


class CorPush(models.Model):
    """The Change Event a COR was pushed into, its Procore line ids, and what was sent.

    `line_ids` maps our line key ("line:<CorLineItem id>" or "lump") to the Procore line item id,
    so a re-push updates those lines in place and never adds them twice. `fingerprint` is the
    COR's fingerprint at the push: when the COR's own differs, the push is out of date.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    cor = models.ForeignKey(
        "cors.ChangeOrderRequest", on_delete=models.CASCADE, related_name="procore_pushes"
    )
    procore_project_id = models.BigIntegerField()
    change_event_id = models.BigIntegerField(null=True, blank=True)
    change_event_number = models.CharField(max_length=40, blank=True)
    change_event_status = models.CharField(max_length=40, blank=True, db_index=True)
    mode = models.CharField(max_length=10, choices=PushMode.choices, default=PushMode.LINES)
    line_ids = models.JSONField(default=dict, blank=True)
    budget_codes = models.JSONField(default=dict, blank=True)
    contract = models.JSONField(default=dict, blank=True)
    pushed_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    fingerprint = models.CharField(max_length=64, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    pushed_at = models.DateTimeField(default=timezone.now)
    status_checked_at = models.DateTimeField(null=True, blank=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "cor"], name="one_push_per_cor_and_office")
        ]
        indexes = [models.Index(fields=["office", "change_event_id"])]

    def __str__(self) -> str:
        return f"{self.cor} -> CE {self.change_event_number or '?'}"
