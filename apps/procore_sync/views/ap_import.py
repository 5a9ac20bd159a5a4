"""AP Invoices > New invoice > Procore Import: pick an approved Procore invoice, listed live, to
fill the entry form with (without its attachments); the entry page saves it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.ap_invoices.prefill import invoice_prefill_offer
from apps.offices.models import Office

from ..ap_import.manual import import_office_list, importable_list, invoice_prefill
from ..client.errors import ProcoreError
from ..live import RunError

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
