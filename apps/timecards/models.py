from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet
from apps.core import present
from apps.offices.records import OfficeRecord


class WorkClassification(OfficeRecord):
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TimeType(OfficeRecord):
    """Regular, overtime, double time... as the office's Procore company defines them."""

    name = models.CharField(max_length=100)
    abbreviation = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(OfficeRecord):
    employee_id = models.CharField("employee ID", max_length=50, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip_code = models.CharField("ZIP", max_length=20, blank=True)
    mobile_phone = models.CharField(max_length=40, blank=True)
    work_classification = models.ForeignKey(
        WorkClassification, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["office", "employee_id"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def choice_label(self) -> str:
        """How a select offers the employee: the number tells apart people with the same name."""
        return f"{self} ({self.employee_id})" if self.employee_id else str(self)


class Crew(OfficeRecord):
    """A group of employees a foreman enters time for at once."""

    name = models.CharField(max_length=200)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="crews"
    )
    lead = models.ForeignKey(
        Employee, on_delete=models.SET_NULL, null=True, blank=True, related_name="crews_led"
    )
    members = models.ManyToManyField(Employee, blank=True, related_name="crews")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TimeCardEntry(models.Model):
    """Hours one employee worked on one project day (the project's local date, never UTC's).

    Deleting keeps the row (`deleted_at`) until the export has removed its Procore twin.
    `fingerprint` hashes what an export sends, so an edit after an export shows as out of date.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="time_entries"
    )
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="time_entries")
    date = models.DateField(help_text="The project's local date.")
    sub_job = models.ForeignKey(
        "projects.SubJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cost_code = models.ForeignKey(
        "projects.CostCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    time_type = models.ForeignKey(
        TimeType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    work_classification = models.ForeignKey(
        WorkClassification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    crew = models.ForeignKey(
        Crew, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    billable = models.BooleanField(default=True)
    description = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    tenant_path = "project__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["date", "employee", "id"]
        indexes = [
            models.Index(fields=["project", "date"]),
            models.Index(fields=["employee", "date"]),
            models.Index(fields=["status", "date"]),
            # The entries list pages by date (apps/core/keyset.py); names within a day are
            # sorted a day at a time, never over the whole table.
            models.Index(fields=["date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="entry_hours_in_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} {present.day(self.date)} {self.hours}h"


class ProductionQuantity(models.Model):
    """Work put in place on a project day, per cost code (e.g. 120 LF of wall framing)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="production_quantities"
    )
    cost_code = models.ForeignKey("projects.CostCode", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(help_text="The project's local date.")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=20)
    description = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    tenant_path = "project__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["date", "cost_code"]
        indexes = [models.Index(fields=["project", "date"])]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} on {present.day(self.date)}"
