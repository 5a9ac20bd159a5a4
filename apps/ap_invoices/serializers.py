"""What the AP REST API reads and writes: invoices with lines and payments, queues, routing rules.

Output serializers are read-only model views; input serializers only check shapes and that every
id is a record of the caller's account. The rules (offices, totals, statuses) are the services'.
"""

from decimal import Decimal

from rest_framework import serializers

from apps.accounts.models import User
from apps.core.api import AccountRecordField, optional_record
from apps.core.limits import COMMENT_MAX, SEARCH_MAX, validate_entered_date
from apps.offices.models import Office
from apps.projects.models import CostCode, Project

from .models import (
    ApInvoice,
    ApInvoiceLine,
    ApPayment,
    ApQueue,
    Commitment,
    InvoiceStatus,
    PaymentMethod,
    RoutingRule,
    Vendor,
)
from .payments import paid_total
from .routing import reviewer_ids, rule_problems
from .totals import invoice_totals

MONEY = {"max_digits": 14, "decimal_places": 2}
MONEY_LIMIT = Decimal("1e12")  # what 14 digits with 2 decimals can hold
MAX_LINES = 500
ENTERED = [validate_entered_date]  # a date a person typed: within the sane window


# Output ------------------------------------------------------------------------------------------


class ComputedMoneyField(serializers.DecimalField):
    """Money computed from the invoice rather than stored, as a decimal string."""

    def __init__(self, compute, **kwargs):
        self.compute = compute
        super().__init__(**MONEY, read_only=True, source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(self.compute(value))


class ApInvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApInvoiceLine
        fields = ("id", "position", "description", "cost_code", "amount", "retainage")
        fields += ("reviewer", "review_status", "review_comment", "reviewed_at")
        read_only_fields = fields


class ApPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApPayment
        fields = ("id", "invoice", "date", "amount", "method", "reference", "voided_at")
        fields += ("created_by", "created_at", "updated_at")
        read_only_fields = fields


class ApInvoiceListSerializer(serializers.ModelSerializer):
    """A row of the AP queue; money is a decimal string. The Procore fields are the import's."""

    has_document = serializers.SerializerMethodField()

    class Meta:
        model = ApInvoice
        fields = ("id", "office", "queue", "project", "vendor", "commitment", "invoice_number")
        fields += ("billing_date", "period_start", "period_end", "due_date", "subtotal")
        fields += ("retainage", "total", "status", "queue_reason", "has_document")
        fields += ("document_pages", "procore_requisition_id", "procore_status")
        fields += ("procore_updated_at", "procore_changed", "processing_error", "processed_at")
        fields += ("created_by", "created_at", "updated_at")
        read_only_fields = fields

    def get_has_document(self, invoice: ApInvoice) -> bool:
        return bool(invoice.document)


class ApInvoiceSerializer(ApInvoiceListSerializer):
    """An invoice with its lines (and their reviews), its payments, what is paid and what is
    left. The Procore fields are the import's, read-only."""

    lines = ApInvoiceLineSerializer(many=True, read_only=True)
    payments = ApPaymentSerializer(many=True, read_only=True)
    paid_total = ComputedMoneyField(paid_total, help_text="The payments not voided.")
    balance = ComputedMoneyField(
        lambda invoice: invoice.total - paid_total(invoice), help_text="Left to pay."
    )

    class Meta(ApInvoiceListSerializer.Meta):
        fields = (*ApInvoiceListSerializer.Meta.fields, "paid_total", "balance")
        fields += ("lines", "payments")
        read_only_fields = fields


class ApQueueSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApQueue
        fields = ("id", "office", "name", "description", "active", "created_at", "updated_at")
        read_only_fields = fields


class RoutingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = ("id", "office", "priority", "project", "vendor", "cost_code", "min_amount")
        fields += ("max_amount", "reviewer", "active", "created_at", "updated_at")
        read_only_fields = fields


# Input -------------------------------------------------------------------------------------------


class ReviewerField(serializers.PrimaryKeyRelatedField):
    """A user of the caller's account whose role may review AP lines (as the rule form offers)."""

    default_error_messages = {
        "does_not_exist": "No one of this account who may review AP lines has the id {pk_value}."
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.none(), **kwargs)  # the model, for the schema

    def get_queryset(self):
        return User.objects.filter(pk__in=reviewer_ids(self.context["request"].account))


class InvoiceLineFieldsSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    amount = serializers.DecimalField(**MONEY)
    retainage = serializers.DecimalField(**MONEY, default=Decimal("0"))
    cost_code = AccountRecordField(CostCode, required=False, allow_null=True, default=None)


class InvoiceLineInputSerializer(InvoiceLineFieldsSerializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of one of the invoice's lines to change it in place; omit for a new "
        "line.",
    )


def _fits_the_columns(lines: list[dict]) -> list[dict]:
    totals = invoice_totals((line["amount"], line.get("retainage", 0)) for line in lines)
    if any(abs(total) >= MONEY_LIMIT for total in totals):
        raise serializers.ValidationError("The invoice total is too large.")
    return lines


class ApInvoiceUpdateSerializer(serializers.Serializer):
    queue = optional_record(ApQueue)
    project = optional_record(Project)
    vendor = optional_record(Vendor)
    commitment = optional_record(Commitment)
    invoice_number = serializers.CharField(max_length=100)
    billing_date = serializers.DateField(required=False, allow_null=True, validators=ENTERED)
    period_start = serializers.DateField(required=False, allow_null=True, validators=ENTERED)
    period_end = serializers.DateField(required=False, allow_null=True, validators=ENTERED)
    due_date = serializers.DateField(required=False, allow_null=True, validators=ENTERED)
    lines = InvoiceLineInputSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="The invoice's lines, in order. Omitted: the lines stay as they are. A line "
        "without an id is new; the invoice's lines missing from the list are deleted.",
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        return _fits_the_columns(lines)


class ApInvoiceCreateSerializer(ApInvoiceUpdateSerializer):
    office = AccountRecordField(Office)
    lines = InvoiceLineFieldsSerializer(
        many=True, required=False, max_length=MAX_LINES, help_text="The invoice's lines, in order."
    )


class ApInvoiceFilterSerializer(serializers.Serializer):
    """The AP queue page's filters, as query parameters."""

    status = serializers.ChoiceField(
        choices=InvoiceStatus.choices, required=False, allow_blank=True
    )
    queue = serializers.IntegerField(required=False, source="queue_id")
    project = serializers.IntegerField(required=False, source="project_id")
    vendor = serializers.IntegerField(required=False, source="vendor_id")
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX,
        help_text="Invoice number, vendor or commitment number.",
    )


class LineReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=COMMENT_MAX,
        help_text="Required to reject.",
    )


class ApPaymentInputSerializer(serializers.Serializer):
    date = serializers.DateField(validators=ENTERED)
    amount = serializers.DecimalField(**MONEY)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="Check number."
    )


class ApRecordFilterSerializer(serializers.Serializer):
    office = serializers.IntegerField(required=False, source="office_id")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class ApQueueUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict) -> dict:
        office = attrs.get("office") or self.instance.office
        name = attrs.get("name", getattr(self.instance, "name", None))
        taken = ApQueue.objects.filter(office=office, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError({"name": ["The office has a queue of that name."]})
        return attrs


class ApQueueCreateSerializer(ApQueueUpdateSerializer):
    office = AccountRecordField(Office, help_text="Set on creation; a queue stays in its office.")


class RoutingRuleUpdateSerializer(serializers.Serializer):
    priority = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, help_text="Lower wins; default 100."
    )
    project = optional_record(Project)
    vendor = optional_record(Vendor)
    cost_code = optional_record(CostCode)
    min_amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    max_amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    reviewer = ReviewerField()
    active = serializers.BooleanField(required=False)

    def _value(self, attrs: dict, name: str):
        return attrs[name] if name in attrs else getattr(self.instance, name, None)

    def validate(self, attrs: dict) -> dict:
        """The rule form's checks: conditions of the rule's office, and min <= max."""
        names = ("office", "project", "vendor", "cost_code", "min_amount", "max_amount")
        problems = rule_problems(**{n: self._value(attrs, n) for n in names})
        if problems:
            raise serializers.ValidationError({k: [v] for k, v in problems.items()})
        return attrs


class RoutingRuleCreateSerializer(RoutingRuleUpdateSerializer):
    office = AccountRecordField(Office, help_text="Set on creation; a rule stays in its office.")
