"""AP pages: the queue, an invoice with its document and lines, review, payments, reconcile."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from apps.accounts import policy
from apps.accounts.audit import audit_record
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core import uploads
from apps.core.keyset import keyset_page
from apps.offices.record_views import RecordCreateView, RecordListView, RecordUpdateView
from apps.projects.models import Project

from . import payments, services
from .forms import (
    InvoiceForm,
    PaymentForm,
    QueueFilterForm,
    QueueForm,
    ReviewForm,
    RoutingRuleForm,
    line_formset,
)
from .models import ApInvoice, ApPayment, ApQueue, InvoiceStatus, RoutingRule, Vendor
from .payments import paid_total
from .prefill import imported_as, prefill_done, prefill_locks, prefill_of, procore_key
from .routing import route_or_queue
from .selectors import (
    allow_imported_edits,
    invoice_list,
    invoice_reconcile_list,
    review_line_list,
)


def _invoice(request, invoice_id: int) -> ApInvoice:
    queryset = ApInvoice.objects.select_related(
        "office__account", "vendor", "project", "queue", "commitment"
    )
    return get_for_account_or_404(queryset, request.account, pk=invoice_id)


QUEUE_ORDER = ("-created_at", "-pk")  # newest first; an index on (created_at, id) serves it


@login_required
@permission_required("ap.view")
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    invoices = invoice_list(
        account=request.account,
        queue_id=filters.get("queue"),
        status=filters.get("status") or "",
        vendor_id=filters.get("vendor"),
        project_id=filters.get("project"),
        q=(filters.get("q") or "").strip(),
    )
    context = {
        "form": form,
        "page": keyset_page(
            invoices, order=QUEUE_ORDER, cursor=request.GET.get("cursor", ""), size=50
        ),
        "queues": ApQueue.objects.for_account(request.account),
        "vendors": Vendor.objects.for_account(request.account).filter(active=True),
        "projects": Project.objects.for_account(request.account).filter(active=True),
        "statuses": InvoiceStatus.choices,
    }
    return render(request, "ap_invoices/queue.html", context)


def _lines(formset) -> list[services.Line]:
    return [
        services.Line(
            description=f.cleaned_data["description"],
            amount=f.cleaned_data["amount"],
            retainage=f.cleaned_data.get("retainage") or 0,
            cost_code=f.cleaned_data.get("cost_code"),
            id=f.instance.pk,
        )
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def _save(request, invoice, form, formset, read_only: bool, procore=None) -> ApInvoice:
    fields = {k: form.cleaned_data[k] for k in services.INVOICE_FIELDS}
    document = form.cleaned_data.get("document") or None
    if invoice is None:
        return services.invoice_create(
            office=form.cleaned_data["office"],
            user=request.user,
            lines=_lines(formset),
            document=document,
            procore=procore,
            **fields,
        )
    lines = None if read_only else _lines(formset)
    if read_only:
        fields = {"queue": fields["queue"]}
    services.invoice_update(
        invoice=invoice,
        user=request.user,
        lines=lines,
        document=document,
        allow_imported_edits=not read_only,
        **fields,
    )
    return invoice


def _forms(request, invoice: ApInvoice | None, prefill: dict | None):
    """The invoice form and its lines, and whether the invoice is read-only: an imported
    invoice's Procore fields are, unless the office allows editing them."""
    imported = invoice is not None and invoice.procore_requisition_id is not None
    read_only = imported and not allow_imported_edits(invoice.office)
    locked, lines_locked = prefill_locks(request, prefill)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    prefill = prefill or {}
    form = InvoiceForm(
        data,
        files,
        instance=invoice,
        account=request.account,
        read_only=read_only,
        locked=locked,
        initial=prefill.get("initial"),
    )
    formset = line_formset(
        data,
        instance=invoice,
        account=request.account,
        read_only=read_only or lines_locked,
        lines=prefill.get("lines"),
    )
    return form, formset, read_only


@login_required
@permission_required("ap.manage")
def invoice_edit(request, invoice_id: int | None = None):
    invoice = _invoice(request, invoice_id) if invoice_id is not None else None
    token, prefill = prefill_of(request) if invoice is None else ("", None)
    if token and prefill is None:
        messages.error(request, "That invoice to import is no longer here: pick it again.")
        return redirect("ap_invoice_create")
    form, formset, read_only = _forms(request, invoice, prefill)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            invoice = _save(request, invoice, form, formset, read_only, procore_key(prefill))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            prefill_done(request, token)
            messages.success(request, f"{invoice} saved.")
            return redirect("ap_invoice_detail", invoice_id=invoice.pk)
    context = {
        "form": form,
        "formset": formset,
        "invoice": invoice,
        "read_only": read_only,
        "prefill": prefill,
        "prefill_token": token,
        "imported_as": imported_as(request, prefill),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "ap_invoices/invoice_form.html", context, status=status)


@login_required
@permission_required("ap.view")
def invoice_detail(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    paid = paid_total(invoice)
    context = {
        "invoice": invoice,
        "lines": invoice.lines.select_related("cost_code", "reviewer"),
        "payments": invoice.payments.select_related("created_by"),
        "paid": paid,
        "balance": invoice.total - paid,
        "payment_form": PaymentForm(),
        "review_form": ReviewForm(),
        "is_manager": request.membership.role in policy.MANAGERS,
    }
    return render(request, "ap_invoices/invoice_detail.html", context)


@login_required
@require_GET
@xframe_options_sameorigin
# Shown in an iframe on the invoice's page, and a PDF is a plugin document to the browser.
@csp_replace({"frame-ancestors": [SELF], "object-src": [SELF]})
@permission_required("ap.view")
def invoice_document(request, invoice_id: int):
    """The combined document, inline so the detail page can show it beside the lines (when its
    content is a PDF: a file stored before the upload policy may be anything, and downloads)."""
    invoice = _invoice(request, invoice_id)
    if not invoice.document:
        raise Http404("This invoice has no document.")
    name = invoice.document.name.rsplit("/", 1)[-1]
    return uploads.file_response(invoice.document, filename=name, inline=True)


@login_required
@require_POST
@permission_required("ap.review")
def line_review(request, invoice_id: int, line_id: int):
    invoice = _invoice(request, invoice_id)
    line = get_object_or_404(invoice.lines.select_related("invoice__office"), pk=line_id)
    form = ReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose approve or reject.")
        approve = form.cleaned_data["decision"] == "approve"
        services.review_line(
            line=line, user=request.user, approve=approve, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Line {line.position} {'approved' if approve else 'rejected'}.")
    return redirect("ap_invoice_detail", invoice_id=invoice_id)


@login_required
@require_POST
@permission_required("ap.manage")
def invoice_reprocess(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    try:
        reasons = route_or_queue(invoice=invoice, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if reasons:
            messages.warning(request, f"{invoice} stays in the queue: {' '.join(reasons)}")
        else:
            messages.success(request, f"{invoice} is in review.")
    if request.POST.get("next") == "detail":  # a fixed choice: never redirect to a posted URL
        return redirect("ap_invoice_detail", invoice_id=invoice.pk)
    return redirect("ap_invoice_reconcile")


@login_required
@permission_required("ap.view")
def reconcile(request):
    invoices = invoice_reconcile_list(account=request.account)
    page = Paginator(invoices, 50).get_page(request.GET.get("page"))
    return render(request, "ap_invoices/reconcile.html", {"page": page})


@login_required
@permission_required("ap.review")
def reviews(request):
    lines = review_line_list(account=request.account, user=request.user)
    return render(request, "ap_invoices/reviews.html", {"lines": lines})


@login_required
@require_POST
@permission_required("ap.manage")
def payment_add(request, invoice_id: int):
    invoice = _invoice(request, invoice_id)
    form = PaymentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([f"{k}: {' '.join(v)}" for k, v in form.errors.items()])
        payments.payment_record(invoice=invoice, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Payment recorded.")
    return redirect("ap_invoice_detail", invoice_id=invoice.pk)


@login_required
@require_POST
@permission_required("ap.manage")
def payment_cancel(request, invoice_id: int, payment_id: int):
    payment = get_for_account_or_404(
        ApPayment.objects.all(), request.account, pk=payment_id, invoice_id=invoice_id
    )
    try:
        payments.payment_void(payment=payment, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Payment voided.")
    return redirect("ap_invoice_detail", invoice_id=invoice_id)


@login_required
@permission_required("ap.manage")
def payment_edit(request, invoice_id: int, payment_id: int):
    payment = get_for_account_or_404(
        ApPayment.objects.select_related("invoice"),
        request.account,
        pk=payment_id,
        invoice_id=invoice_id,
        voided_at=None,
    )
    form = PaymentForm(request.POST or None, instance=payment)
    if request.method == "POST" and form.is_valid():
        try:
            payments.payment_update(payment=payment, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Payment saved.")
            return redirect("ap_invoice_detail", invoice_id=invoice_id)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "payment": payment, "invoice": payment.invoice}
    return render(request, "ap_invoices/payment_form.html", context, status=status)


class QueueViews:
    model = ApQueue
    form_class = QueueForm
    view_action, manage_action = "ap.view", "ap.manage"
    title = "AP queues"
    search_fields = ("name", "description")
    columns = (("name", "Name"), ("description", "Description"))
    list_url_name, create_url_name, edit_url_name = (
        "ap_queue_list",
        "ap_queue_create",
        "ap_queue_edit",
    )


class QueueList(QueueViews, RecordListView):
    pass


class QueueCreate(QueueViews, RecordCreateView):
    pass


class QueueEdit(QueueViews, RecordUpdateView):
    pass


class RuleViews:
    model = RoutingRule
    form_class = RoutingRuleForm
    view_action, manage_action = "ap.view", "ap.manage"
    title = "AP routing rules"
    search_fields = ("reviewer__email", "reviewer__full_name", "cost_code__code", "vendor__name")
    columns = (
        ("priority", "Priority"),
        ("project", "Project"),
        ("vendor", "Vendor"),
        ("cost_code", "Cost code"),
        ("min_amount", "Min"),
        ("max_amount", "Max"),
        ("reviewer", "Reviewer"),
    )
    list_url_name, create_url_name, edit_url_name = (
        "ap_routing_rule_list",
        "ap_routing_rule_create",
        "ap_routing_rule_edit",
    )

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.scope(self.request.account)
        return form


class RuleList(RuleViews, RecordListView):
    template_name = "ap_invoices/rule_list.html"


class RuleCreate(RuleViews, RecordCreateView):
    pass


class RuleEdit(RuleViews, RecordUpdateView):
    pass


@login_required
@require_POST
@permission_required("ap.manage")
def rule_delete(request, record_id: int):
    rule = get_for_account_or_404(
        RoutingRule.objects.select_related("office"), request.account, pk=record_id
    )
    audit_record(
        account=request.account,
        actor=request.user,
        action="routingrule.deleted",
        target=rule,
        detail={"priority": rule.priority},
    )
    rule.delete()
    messages.success(request, "Routing rule deleted.")
    return redirect("ap_routing_rule_list")


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = (
            "office", "name", "abbreviated_name", "address", "city", "state", "zip_code",
            "phone", "email", "active",
        )  # fmt: skip


class VendorViews:
    model = Vendor
    form_class = VendorForm
    view_action = "records.view"
    manage_action = "vendors.manage"
    title = "Vendors"
    search_fields = ("name", "abbreviated_name", "city", "email")
    columns = (("name", "Name"), ("city", "City"), ("state", "State"), ("phone", "Phone"))
    list_url_name, create_url_name, edit_url_name = "vendor_list", "vendor_create", "vendor_edit"


class VendorList(VendorViews, RecordListView):
    pass


class VendorCreate(VendorViews, RecordCreateView):
    pass


class VendorEdit(VendorViews, RecordUpdateView):
    pass
