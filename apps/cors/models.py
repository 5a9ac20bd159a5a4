"""Change order requests: a priced proposal for a change on a project, line by line."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet

CENTS = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


class CorStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    VOID = "void", "Void"


class CostType(models.TextChoices):
    LABOR = "labor", "Labor"
    MATERIAL = "material", "Material"
    EQUIPMENT = "equipment", "Equipment"
    SUBCONTRACT = "subcontract", "Subcontract"
    OTHER = "other", "Other"


class ChangeOrderRequest(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="cors")
    number = models.PositiveIntegerField(help_text="Sequential within the project.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reason = models.CharField(max_length=200, blank=True)
    schedule_impact_days = models.IntegerField(default=0)
    status = models.CharField(max_length=10, choices=CorStatus.choices, default=CorStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    markup_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    tenant_path = "project__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="cor_number_per_project")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"COR {self.number} {self.title}"


class CorLineItem(models.Model):
    cor = models.ForeignKey(ChangeOrderRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    cost_type = models.CharField(max_length=12, choices=CostType.choices)
    cost_code = models.ForeignKey(
        "projects.CostCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1"))
    unit = models.CharField(max_length=20, blank=True)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    markup_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def cost(self) -> Decimal:
        return money(self.quantity * self.unit_cost)

    @property
    def markup(self) -> Decimal:
        return money(self.cost * self.markup_percent / 100)
