"""What every office-owned record shares: its office (the tenant path), activity and timestamps."""

from django.db import models

from apps.accounts.tenancy import TenantQuerySet


class OfficeRecord(models.Model):
    """Abstract base of the records kept per office (and so per Procore company).

    Records are never hard-deleted by sync: `active` goes False instead, so history and links stay.
    `custom_fields` holds values of the office's custom field definitions, keyed by definition id.
    """

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
