"""Procore connections: one live connection per office, with its tokens encrypted at rest."""

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.tenancy import TenantQuerySet
from apps.offices.models import Office

from .fields import EncryptedTextField
from .notifications import notify_needs_reconnect

# Refresh a little before Procore's expiry so a request never leaves with a dying token. A token
# living less than 4 x this uses a quarter of its lifetime instead (see `expiry_margin`).
EXPIRY_MARGIN = timedelta(seconds=120)


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    DISCONNECTED = "disconnected", "Disconnected"


class ProcoreConnection(models.Model):
    """An office's link to one Procore company, through one Procore user's OAuth grant.

    Disconnected rows stay for history; at most one non-disconnected row per office.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="procore_connections")
    company_id = models.BigIntegerField(null=True, blank=True, help_text="Procore company id")
    company_name = models.CharField(max_length=200, blank=True)
    procore_user_id = models.BigIntegerField(null=True, blank=True)
    procore_user_login = models.CharField(max_length=254, blank=True)

    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    status_reason = models.TextField(blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)

    # For the connection-health card.
    unauthorized_count = models.PositiveIntegerField(default=0)
    forbidden_count = models.PositiveIntegerField(default=0)
    not_found_count = models.PositiveIntegerField(default=0)
    rate_limited_count = models.PositiveIntegerField(default=0)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_path = "office__account"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office"],
                condition=~Q(status="disconnected"),
                name="one_live_procore_connection_per_office",
            ),
            models.UniqueConstraint(
                fields=["company_id"],
                condition=~Q(status="disconnected"),
                name="one_live_connection_per_procore_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} → Procore {self.company_name or self.company_id or '(no company)'}"

    @property
    def awaiting_company(self) -> bool:
        """Signed in to Procore but no company chosen yet: nothing syncs until one is."""
        return self.status == ConnectionStatus.CONNECTED and self.company_id is None

    def token_is_stale(self) -> bool:
        return self.expires_at is None or timezone.now() >= self.expires_at - self.expiry_margin()

    def expiry_margin(self) -> timedelta:
        """How long before expiry the token counts as stale: EXPIRY_MARGIN, or a quarter of the
        token's lifetime when that is less, so a 60 s token is used for 45 s instead of being
        refreshed before every request. The lifetime is the token answer's `expires_in`, as
        `save_tokens` stored it (both timestamps from one clock)."""
        if self.expires_at is None or self.last_refreshed_at is None:
            return EXPIRY_MARGIN
        lifetime = max(self.expires_at - self.last_refreshed_at, timedelta(0))
        return min(EXPIRY_MARGIN, lifetime / 4)

    def count_error(self, status: int) -> None:
        """Bump the health counter for `status` without a read-modify-write race."""
        field = {
            401: "unauthorized_count",
            403: "forbidden_count",
            404: "not_found_count",
            429: "rate_limited_count",
        }.get(status)
        if field:
            type(self).objects.filter(pk=self.pk).update(
                **{field: F(field) + 1}, last_error_at=timezone.now()
            )

    def mark_needs_reconnect(self, reason: str) -> bool:
        """Stop using this connection and tell the office's admins why (status card, audit log,
        one email). Only the call that moves the row from connected records and mails, so many
        workers hitting the same dead grant send one email; returns whether this call did."""
        changed = (
            type(self)
            .objects.filter(pk=self.pk, status=ConnectionStatus.CONNECTED)
            .update(status=ConnectionStatus.NEEDS_RECONNECT, status_reason=reason)
        )
        self.refresh_from_db(fields=["status", "status_reason"])
        if not changed:
            return False
        audit_record(
            account=self.office.account,
            actor=None,
            action="procore.needs_reconnect",
            target=self,
            detail={"reason": reason},
        )
        office = self.office
        transaction.on_commit(lambda: notify_needs_reconnect(office=office, reason=reason))
        return True


# The sync engine's tables live in their own module; importing them here registers them.
from .counter_models import RateBudgetState, RateReservation, SharedCounter  # noqa: E402, F401
from .engine_models import (  # noqa: E402, F401
    ExternalRef,
    ImportWizard,
    SyncItem,
    SyncRun,
    SyncSettings,
    WebhookDelivery,
)
from .push_models import CorPush, PushMode  # noqa: E402, F401
from .reconcile_models import Difference  # noqa: E402, F401
from .time_models import DailyLogKind, DailyLogPublish  # noqa: E402, F401
