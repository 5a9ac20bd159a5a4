"""Accounts payable: vendors, commitments, invoices in queues, routed line by line, paid."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet
from apps.core.present import day, money
from apps.offices.records import OfficeRecord

ZERO = Decimal("0.00")


class Vendor(OfficeRecord):
    name = models.CharField(max_length=200)
    abbreviated_name = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip_code = models.CharField("ZIP", max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommitmentKind(models.TextChoices):
    SUBCONTRACT = "subcontract", "Subcontract"
    PURCHASE_ORDER = "purchase_order", "Purchase order"


class Commitment(OfficeRecord):
    """A subcontract or purchase order of a project, imported from Procore."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="commitments"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )
    kind = models.CharField(max_length=20, choices=CommitmentKind.choices)
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=40, blank=True)
    grand_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["project", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class ApQueue(OfficeRecord):
    """Where invoices wait to be routed and reviewed; an office picks one for Procore imports."""

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="queue_name_per_office")
        ]

    def __str__(self) -> str:
        return self.name


class InvoiceStatus(models.TextChoices):
    QUEUED = "queued", "In queue"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"


# How the queue reason of an imported invoice held until its PDF comes begins (the import
# writes it; `awaits_document` reads it).
AWAITING_DOCUMENT = "Waiting for a document"


class ApInvoice(models.Model):
    """A vendor's invoice. Imported ones keep their Procore requisition id (the import's key),
    its status there (approved, or approved as noted) and whether Procore changed it after
    Trestle processed it."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(
        ApQueue, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    invoice_number = models.CharField(max_length=100)
    billing_date = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    retainage = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    status = models.CharField(
        max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.QUEUED
    )
    queue_reason = models.TextField(blank=True, help_text="Why it waits in the queue.")
    document = models.FileField(upload_to="ap-invoices/%Y/%m/", blank=True)
    document_pages = models.PositiveIntegerField(default=0)
    procore_requisition_id = models.BigIntegerField(null=True, blank=True)
    procore_status = models.CharField(max_length=40, blank=True)
    procore_updated_at = models.DateTimeField(null=True, blank=True)
    procore_changed = models.BooleanField(
        default=False, help_text="Procore changed it after it was processed here."
    )
    processing_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    tenant_path = "office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "procore_requisition_id"],
                condition=models.Q(procore_requisition_id__isnull=False),
                name="one_invoice_per_requisition",
            )
        ]
        indexes = [
            models.Index(fields=["office", "status"]),
            models.Index(fields=["created_at", "id"]),  # the queue's keyset order, newest first
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_number}"

    @property
    def awaits_document(self) -> bool:
        """Imported from Procore without attachments and held for its PDF (the office's choice),
        and nobody has processed it (or uploaded a document) since: it is not routed until its
        PDF comes."""
        return (
            self.procore_requisition_id is not None
            and not self.processed_at
            and not self.document
            and self.queue_reason.startswith(AWAITING_DOCUMENT)
        )


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ApInvoiceLine(models.Model):
    invoice = models.ForeignKey(ApInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300)
    cost_code = models.ForeignKey(
        "projects.CostCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    retainage = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    review_comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class RoutingRule(OfficeRecord):
    """Which reviewer gets a line: the first rule (by priority) whose every set condition holds."""

    priority = models.PositiveIntegerField(default=100)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cost_code = models.ForeignKey(
        "projects.CostCode", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    min_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"Rule {self.priority} -> {self.reviewer}"


class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check"
    ELECTRONIC = "electronic", "Electronic"
    CREDIT_CARD = "credit_card", "Credit card"


class ApPayment(models.Model):
    """A payment made in Trestle on an invoice; written to Procore when the office says so."""

    invoice = models.ForeignKey(ApInvoice, on_delete=models.CASCADE, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="Check number or reference.")
    voided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_path = "invoice__office__account"
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{money(self.amount)} on {day(self.date)}"
