"""Runs of the "ap_payments" flow: when a payment changes, and Retry on the invoice page."""

from collections.abc import Callable

from apps.accounts.models import User
from apps.ap_invoices.models import ApPayment

from ..engine_models import SyncRun, SyncSettings, Trigger
from ..models import ConnectionStatus, ProcoreConnection
from ..runs import run_queue
from .writeback import SWITCH

FLOW = "ap_payments"


def writes_back(payment: ApPayment) -> bool:
    """An imported invoice's payment, in an office that sends payments over a live connection."""
    office_id = payment.invoice.office_id
    return (
        payment.invoice.procore_requisition_id is not None
        and SyncSettings.objects.filter(
            office_id=office_id, flows__contains={SWITCH: True}
        ).exists()
        and ProcoreConnection.objects.filter(
            office_id=office_id, status=ConnectionStatus.CONNECTED
        ).exists()
    )


def payment_change_queue(
    *, account, payment_id: int, enqueue: Callable[[int], None], user: User | None = None
) -> SyncRun | None:
    """A run for this payment, or None when it is not one Trestle writes to Procore."""
    payment = (
        ApPayment.objects.for_account(account)
        .select_related("invoice__office")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None or not writes_back(payment):
        return None
    return run_queue(
        office=payment.invoice.office,
        flow=FLOW,
        trigger=Trigger.USER,
        user=user,
        params={"payment_ids": [payment.pk]},
        enqueue=enqueue,
    )
