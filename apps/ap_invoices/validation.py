"""Whether an invoice is ready for review: vendor, commitment, billing period, totals."""

from apps.core.present import money

from .models import ApInvoice
from .totals import invoice_totals


def invoice_validate(invoice: ApInvoice) -> list[str]:
    """Why the invoice cannot go to review yet (empty when it can)."""
    reasons = []
    if invoice.vendor_id is None:
        reasons.append("No vendor: link the invoice to a vendor.")
    commitment = invoice.commitment
    if commitment is None:
        reasons.append("No commitment: link the invoice to a subcontract or purchase order.")
    else:
        if commitment.vendor_id != invoice.vendor_id:
            reasons.append(f"Commitment {commitment.number} is not with the invoice's vendor.")
        if commitment.project_id != invoice.project_id:
            reasons.append(f"Commitment {commitment.number} is not of the invoice's project.")
    if not invoice.billing_date or not invoice.period_start or not invoice.period_end:
        reasons.append("No billing period: set the billing date and the period start and end.")
    reasons += _totals_reasons(invoice)
    return reasons


def _totals_reasons(invoice: ApInvoice) -> list[str]:
    lines = list(invoice.lines.all())
    if not lines:
        return ["No lines: add the invoice's lines."]
    totals = invoice_totals((line.amount, line.retainage) for line in lines)
    stored = (invoice.subtotal, invoice.retainage, invoice.total)
    if stored != tuple(totals):
        return [
            f"Totals do not add up: the lines give subtotal {money(totals.subtotal)}, retainage "
            f"{money(totals.retainage)}, total {money(totals.total)}; the invoice says "
            f"{', '.join(money(amount) for amount in stored)}."
        ]
    return []
