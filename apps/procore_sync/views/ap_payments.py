"""Retry, from the invoice page, of a payment Procore has not taken (or not confirmed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.ap_invoices.models import ApPayment

from ..ap_payments.queueing import payment_change_queue
from ..tasks import enqueue_run


@login_required
@require_POST
@permission_required("ap.manage")
def ap_payment_retry(request, invoice_id: int, payment_id: int):
    payment = get_for_account_or_404(
        ApPayment.objects.all(), request.account, pk=payment_id, invoice_id=invoice_id
    )
    try:
        run = payment_change_queue(
            account=request.account, payment_id=payment.pk, enqueue=enqueue_run, user=request.user
        )
    except DatabaseError as exc:
        messages.error(request, f"Trestle could not queue sending this payment: {exc}. Try again.")
        return redirect("ap_invoice_detail", invoice_id=invoice_id)
    if run is None:
        messages.error(
            request,
            "This payment is not sent to Procore: its invoice was not imported from Procore, or "
            "Create payments in Procore is off, or Procore is not connected for the office.",
        )
    else:
        messages.success(request, "Sending the payment to Procore again.")
    return redirect("ap_invoice_detail", invoice_id=invoice_id)
