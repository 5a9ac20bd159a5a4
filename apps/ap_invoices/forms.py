from django import forms
from django.conf import settings

from apps.core.limits import COMMENT_MAX, SEARCH_MAX, validate_entered_date
from apps.core.uploads import size_in_words
from apps.offices.models import Office
from apps.projects.models import CostCode, Project

from .models import (
    ApInvoice,
    ApInvoiceLine,
    ApPayment,
    ApQueue,
    Commitment,
    InvoiceStatus,
    RoutingRule,
    Vendor,
)
from .routing import reviewer_ids, rule_problems
from .services import IMPORTED_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})
INVOICE_DATES = ("billing_date", "period_start", "period_end", "due_date")


def _check_dates(form: forms.BaseForm, names) -> None:
    """The model's date fields refuse a typo such as 0001-01-01 (apps/core/limits.py)."""
    for name in names:
        form.fields[name].validators.append(validate_entered_date)


def _scope(form, account, **querysets) -> None:
    for name, model in querysets.items():
        if name in form.fields:
            form.fields[name].queryset = model.objects.for_account(account).filter(active=True)


class InvoiceForm(forms.ModelForm):
    office = forms.ModelChoiceField(queryset=Office.objects.none())

    class Meta:
        model = ApInvoice
        fields = (
            "office",
            "queue",
            "project",
            "vendor",
            "commitment",
            "invoice_number",
            "billing_date",
            "period_start",
            "period_end",
            "due_date",
            "document",
        )
        widgets = {name: DATE for name in INVOICE_DATES}

    def __init__(self, *args, account, read_only: bool = False, locked=(), **kwargs):
        """`locked` fields keep their initial value whatever is posted (a prefill's)."""
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = Office.objects.for_account(account)
        _check_dates(self, INVOICE_DATES)
        _scope(self, account, queue=ApQueue, project=Project, vendor=Vendor, commitment=Commitment)
        if self.instance.pk:
            self.fields["office"].disabled = True
        limit = size_in_words(settings.UPLOAD_MAX_BYTES)
        self.fields["document"].help_text = f"A PDF, up to {limit}."
        self.fields["document"].widget.attrs["accept"] = "application/pdf"
        for name in (*locked, *(IMPORTED_FIELDS if read_only else ())):
            self.fields[name].disabled = True


class LineForm(forms.ModelForm):
    class Meta:
        model = ApInvoiceLine
        fields = ("description", "cost_code", "amount", "retainage")


LineFormSet = forms.inlineformset_factory(
    ApInvoice, ApInvoiceLine, form=LineForm, extra=2, can_delete=True
)


def line_formset(*args, account, read_only: bool = False, lines=None, **kwargs):
    """`lines` (dicts of a LineForm's values) fill a new invoice's first rows, which are kept
    even when left unchanged (Django skips an unchanged extra row as blank)."""
    formset = LineFormSet(*args, initial=lines, **kwargs)
    if lines:
        formset.min_num = len(lines)
        formset.extra = max(LineFormSet.extra - len(lines), 0)
    codes = CostCode.objects.for_account(account).filter(active=True)
    for form in formset.forms:
        form.fields["cost_code"].queryset = codes
        for field in form.fields.values() if read_only else ():
            field.disabled = True
    return formset


class QueueFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=SEARCH_MAX)
    queue = forms.IntegerField(required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *InvoiceStatus.choices], required=False)
    vendor = forms.IntegerField(required=False)
    project = forms.IntegerField(required=False)


class PaymentForm(forms.ModelForm):
    class Meta:
        model = ApPayment
        fields = ("date", "amount", "method", "reference")
        widgets = {"date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_dates(self, ["date"])


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=COMMENT_MAX
    )


class QueueForm(forms.ModelForm):
    class Meta:
        model = ApQueue
        fields = ("office", "name", "description", "active")


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = (
            "office",
            "priority",
            "project",
            "vendor",
            "cost_code",
            "min_amount",
            "max_amount",
            "reviewer",
            "active",
        )

    def scope(self, account) -> None:
        """Only the account's records, and reviewers who may review AP lines."""
        _scope(self, account, project=Project, vendor=Vendor, cost_code=CostCode)
        reviewers = reviewer_ids(account)
        self.fields["reviewer"].queryset = self.fields["reviewer"].queryset.filter(pk__in=reviewers)

    def clean(self):
        data = super().clean()
        names = ("office", "project", "vendor", "cost_code", "min_amount", "max_amount")
        for name, message in rule_problems(**{n: data.get(n) for n in names}).items():
            self.add_error(name, message)
        return data
