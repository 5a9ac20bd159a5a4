"""What Trestle published to a project's Procore Daily Log, per day and kind of log.

Re-publishing a day replaces that day's figures: the Procore log ids written last time are kept
here, so they are updated (or deleted) rather than added to.
"""

from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet
from apps.offices.models import Office


class DailyLogKind(models.TextChoices):
    TIMECARDS = "timecards", "Timecard entries"
    MANPOWER = "manpower", "Manpower logs"
    QUANTITIES = "quantities", "Quantity logs"


class DailyLogPublish(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=DailyLogKind.choices)
    procore_ids = models.JSONField(default=dict, blank=True, help_text="Our row key -> log id.")
    fingerprint = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(default=timezone.now)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["office", "project", "date", "kind"], name="one_publish_per_day_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.date} {self.kind}"
