import zoneinfo

from django.db import models

from apps.accounts.models import Account
from apps.accounts.tenancy import TenantQuerySet

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class Office(models.Model):
    """A branch of the account; Procore is connected per office."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="offices")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip_code = models.CharField("ZIP", max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default="America/Chicago"
    )
    procore_enabled = models.BooleanField(
        default=False, help_text="Office Integrations: Procore is switched on for this office."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"], name="office_name_unique_in_account"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """A custom field of the office's records, defined in Procore's fieldset (at most five).

    Values live on each record's `custom_fields`, keyed by `key`.
    """

    class DataType(models.TextChoices):
        TEXT = "text", "Short text"
        DATE = "date", "Date"
        CHECKBOX = "checkbox", "Checkbox"
        SELECT = "select", "Single select"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    data_type = models.CharField(max_length=10, choices=DataType.choices)
    choices = models.JSONField(default=list, blank=True)  # [{"id": 1, "label": "North"}, ...]
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["office", "key"], name="custom_field_key_per_office")
        ]

    def __str__(self) -> str:
        return self.label
