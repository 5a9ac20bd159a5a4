"""AP Invoices > New invoice > Procore Import: pick an approved Procore invoice, listed live, to
fill the entry form with (without its attachments); the entry page saves it. "Take Procore's
changes" for an invoice changed in Procore after it was processed here, and Reprocess of an
invoice waiting for its document."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.ap_invoices.models import ApInvoice
from apps.ap_invoices.prefill import invoice_prefill_offer
from apps.ap_invoices.services import invoice_reopen_imported
from apps.offices.models import Office

from ..ap_import.invoices import document_fetch_queue
from ..ap_import.manual import import_office_list, importable_list, invoice_prefill
from ..client.errors import ProcoreError
from ..engine_models import Trigger
from ..live import RunError
from ..runs import run_queue
from ..tasks import enqueue_run

NOT_CONNECTED = (
    "Procore is not connected for any office of this account: an owner or admin connects it "
    "in the office's Integrations."
)


@login_required
@permission_required("ap.manage")
def ap_manual_import(request):
    offices = import_office_list(request.account)
    data = request.POST if request.method == "POST" else request.GET
    office = _office(request, data.get("office"), offices)
    if request.method == "POST" and office is not None:
        return _pick(request, office)
    context = {"offices": offices, "office": office, "rows": [], "error": ""}
    status = 200
    if not offices and office is None:
        context["error"] = NOT_CONNECTED
    elif office is not None:
        try:
            context["rows"] = importable_list(office)
        except RunError as exc:
            context["error"] = str(exc)
        except ProcoreError as exc:
            context["error"] = f"Procore could not list the invoices: {exc.message}"
            status = 502
    return render(request, "procore_sync/ap_manual_import.html", context, status=status)


def _office(request, office_id, offices: list[Office]) -> Office | None:
    """The office asked for (404 if another account's); else the only connected one."""
    if office_id:
        return get_for_account_or_404(Office, request.account, pk=office_id)
    return offices[0] if len(offices) == 1 else None


def _pick(request, office: Office):
    """The chosen invoice, read again from Procore, handed to the entry page to fill it."""
    try:
        values = invoice_prefill(
            office,
            procore_project_id=_int(request.POST.get("project")),
            requisition_id=_int(request.POST.get("requisition")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except RunError as exc:
        messages.error(request, str(exc))
    except ProcoreError as exc:
        messages.error(request, f"Procore could not give the invoice: {exc.message}")
    else:
        token = invoice_prefill_offer(request, values)
        return redirect(f"{reverse('ap_invoice_create')}?prefill={token}")
    return redirect(f"{reverse('ap_manual_import')}?office={office.pk}")


def _int(value) -> int:
    if not str(value or "").isdigit():
        raise ValidationError("Pick an invoice in the list.")
    return int(value)


@login_required
@require_POST
@permission_required("ap.manage")
def ap_invoice_take_procore(request, invoice_id: int):
    """An invoice flagged "Changed in Procore" takes Procore's version: it is reopened, and an
    import re-reads Procore's approved invoices, which refreshes it (and routes it, if the office
    routes imports)."""
    invoice = get_for_account_or_404(ApInvoice.objects.all(), request.account, pk=invoice_id)
    try:
        invoice = invoice_reopen_imported(invoice=invoice, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        run_queue(
            office=invoice.office,
            flow="ap_import",
            trigger=Trigger.USER,
            user=request.user,
            params={"full": True},
            enqueue=enqueue_run,
        )
        messages.success(request, "Taking Procore's changes: the invoice is refreshed in a moment.")
    return redirect("ap_invoice_detail", invoice_id=invoice_id)


@login_required
@require_POST
@permission_required("ap.manage")
def ap_invoice_fetch_document(request, invoice_id: int):
    """Reprocess of an imported invoice waiting for its document: an import run, now."""
    invoice = get_for_account_or_404(
        ApInvoice.objects.select_related("office"), request.account, pk=invoice_id
    )
    try:
        run = document_fetch_queue(invoice=invoice, user=request.user, enqueue=enqueue_run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DatabaseError as exc:
        messages.error(request, f"Trestle could not queue the import: {exc}. Try again.")
    else:
        messages.success(
            request,
            f"Fetching {invoice}'s document from Procore (Sync Activity, run #{run.pk}): it is "
            "imported if the invoice has an attachment in Procore now, else it keeps waiting.",
        )
    return redirect("ap_invoice_reconcile")
