"""Values another part of Trestle (the Procore import) offers a new invoice on the entry page.

They are kept in the session under a token, so none of them (above all a Procore requisition
id, the invoice's key) is taken from the browser.
"""

import secrets

from django.utils.dateparse import parse_datetime

from apps.accounts.tenancy import get_for_account_or_404
from apps.offices.models import Office

from . import services
from .models import ApInvoice
from .selectors import allow_imported_edits

PREFILLS = "ap_invoices:prefills"  # {token: values}, the newest few
KEPT_PREFILLS = 5


def invoice_prefill_offer(request, values: dict) -> str:
    """Offer the entry page a new invoice's values; it opens with them at `?prefill=<token>`.
    `values` are plain JSON: `account` and `office` ids, `initial` form values, `lines`
    [{description, amount, retainage}], `procore` {requisition_id, status, updated_at} (the
    saved invoice's key), and `source` and `notes` to show."""
    token = secrets.token_urlsafe(16)
    kept = list(request.session.get(PREFILLS, {}).items())[1 - KEPT_PREFILLS :]
    request.session[PREFILLS] = {**dict(kept), token: values}
    return token


def prefill_of(request) -> tuple[str, dict | None]:
    """The token asked for (in the URL or the posted form) and its values, if this account's."""
    token = request.POST.get("prefill") or request.GET.get("prefill") or ""
    values = request.session.get(PREFILLS, {}).get(token)
    if values and values.get("account") == request.account.pk:
        return token, values
    return token, None


def prefill_done(request, token: str) -> None:
    offered = request.session.get(PREFILLS, {})
    if offered.pop(token, None) is not None:
        request.session[PREFILLS] = offered


def prefill_locks(request, prefill: dict | None) -> tuple[tuple[str, ...], bool]:
    """(locked fields, lines locked): a prefill's office stays; unless the office allows editing
    imported invoices, so do the fields and lines Procore filled, as they will after saving."""
    if not prefill:
        return (), False
    office = get_for_account_or_404(Office, request.account, pk=prefill["office"])
    if allow_imported_edits(office) or not prefill.get("procore"):
        return ("office",), False
    filled = [k for k in services.IMPORTED_FIELDS if prefill["initial"].get(k)]
    return ("office", *filled), True


def procore_key(prefill: dict | None) -> services.ProcoreKey | None:
    procore = (prefill or {}).get("procore")
    if not procore:
        return None
    updated = parse_datetime(procore["updated_at"]) if procore.get("updated_at") else None
    return services.ProcoreKey(int(procore["requisition_id"]), procore.get("status") or "", updated)


def imported_as(request, prefill: dict | None) -> ApInvoice | None:
    """The invoice a prefill's Procore requisition already is, to link to."""
    key = procore_key(prefill)
    if key is None:
        return None
    invoices = ApInvoice.objects.for_account(request.account)
    return invoices.filter(
        office_id=prefill["office"], procore_requisition_id=key.requisition_id
    ).first()
