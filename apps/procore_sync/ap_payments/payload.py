"""One Trestle payment as a Procore contract payment (procore-api.md §8.4). Pure: no db, no HTTP.

The reference goes to `check_number` for a check and into the notes otherwise; the fingerprint
covers everything sent but the origin, so any edit Procore should see changes it.
"""

import hashlib
import json

from apps.ap_invoices.models import ApPayment, PaymentMethod

ORIGIN = "trestle-payment-"


def payment_fields(payment: ApPayment) -> dict:
    invoice = payment.invoice
    note = f"Paid in Trestle by {payment.get_method_display().lower()}"
    if payment.reference and payment.method != PaymentMethod.CHECK:
        note += f", reference {payment.reference}"
    fields = {
        "date": payment.date.isoformat(),
        "amount": f"{payment.amount:.2f}",
        "payment_method": payment.method,
        "invoice_number": invoice.invoice_number,
        "requisition_id": invoice.procore_requisition_id,
        "notes": note,
    }
    if invoice.billing_date:
        fields["invoice_date"] = invoice.billing_date.isoformat()
    if payment.method == PaymentMethod.CHECK and payment.reference:
        fields["check_number"] = payment.reference
    return fields


def payment_body(payment: ApPayment, origin_id: str) -> dict:
    origin_data = f"Trestle payment {payment.pk}"
    return {**payment_fields(payment), "origin_id": origin_id, "origin_data": origin_data}


def payment_print(payment: ApPayment) -> str:
    printed = json.dumps(payment_fields(payment), sort_keys=True, default=str)
    return hashlib.sha256(printed.encode()).hexdigest()
