"""Change order requests: a priced proposal for a change on a project, line by line."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import MissingAccountError, TenantQuerySet

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
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="Hash of what a push sends; a push keeps its own."
    )

    tenant_path = "project__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="cor_number_per_project")
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["created_at", "id"]),  # the log's default keyset order
        ]

    def __str__(self) -> str:
        return f"COR {self.number} {self.title}"

    @property
    def procore_push(self):
        """The push by the COR's own office (from `prefetch_related("procore_pushes")`)."""
        office_id = self.project.office_id
        return next((p for p in self.procore_pushes.all() if p.office_id == office_id), None)

    @property
    def push_out_of_date(self) -> bool:
        push = self.procore_push
        return push is not None and push.fingerprint != self.fingerprint


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


class CorAttachment(models.Model):
    cor = models.ForeignKey(
        ChangeOrderRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="cor-attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    tenant_path = "cor__project__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class TradingPartner(models.Model):
    """A customer account that may send change notifications to a contractor account.

    Made by the customer entering the contractor's partner code, so nobody can be written to
    by an account they never shared their code with.
    """

    customer = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="contractor_partners"
    )
    contractor = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="customer_partners"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    tenant_path = "customer"
    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "contractor"], name="one_partnership"),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("contractor")), name="partner_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} -> {self.contractor}"


class NotificationStatus(models.TextChoices):
    OPEN = "open", "Awaiting response"
    ANSWERED = "answered", "Response received"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ChangeNotificationQuerySet(models.QuerySet):
    def for_account(self, account) -> "ChangeNotificationQuerySet":
        """The one record two accounts share: the customer's and the contractor's."""
        if account is None:
            raise MissingAccountError("ChangeNotification queried without an account")
        return self.filter(models.Q(customer=account) | models.Q(contractor=account))


class ChangeNotification(models.Model):
    """A customer's notice of a change on their project, answered by the contractor's COR."""

    customer = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    customer_project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="sent_change_notifications"
    )
    contractor = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(help_text="Sequential within the customer's project.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    respond_by = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.OPEN
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    response_cor = models.OneToOneField(
        ChangeOrderRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_notification",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ChangeNotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_project", "number"], name="notification_number_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"CN {self.number} {self.title}"
