"""Runs of the "ap_payments" flow: when a payment changes, and Retry on the invoice page."""

from collections.abc import Callable

from apps.accounts.models import User
from apps.ap_invoices.models import ApPayment
from apps.offices.models import Office

from ..engine_models import SyncItem, SyncRun, SyncSettings, Trigger
from ..models import ConnectionStatus, ProcoreConnection
from ..runs import run_not_queued, run_queue
from .writeback import ENTITY, SWITCH, payment_label

FLOW = "ap_payments"
NOT_QUEUED = "Trestle could not queue sending this payment to Procore: {error}"
NOT_QUEUED_FIX = (
    "Retry this run (or the payment's Retry on its invoice); the scheduled pass sends it too."
)


def writes_back(payment: ApPayment) -> bool:
    """An imported invoice's payment, in an office that sends payments over a live connection.
    The switch is read in Python: a JSON `contains` lookup does not exist on SQLite."""
    office_id = payment.invoice.office_id
    settings = SyncSettings.objects.filter(office_id=office_id).first()
    return (
        payment.invoice.procore_requisition_id is not None
        and settings is not None
        and bool(settings.flows.get(SWITCH))
        and ProcoreConnection.objects.filter(
            office_id=office_id, status=ConnectionStatus.CONNECTED
        ).exists()
    )


def _payment(account, payment_id: int) -> ApPayment | None:
    return (
        ApPayment.objects.for_account(account)
        .select_related("invoice__office")
        .filter(pk=payment_id)
        .first()
    )


def payment_change_queue(
    *, account, payment_id: int, enqueue: Callable[[int], None], user: User | None = None
) -> SyncRun | None:
    """A run for this payment, or None when it is not one Trestle writes to Procore."""
    payment = _payment(account, payment_id)
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


def payments_queue(
    *, office: Office, payment_ids: list[int], user: User | None, enqueue: Callable[[int], None]
) -> SyncRun:
    """One run for these payments (the "Procore vs Trestle" report's repairs): each is sent,
    replaced or removed as the write-back finds it."""
    return run_queue(
        office=office,
        flow=FLOW,
        trigger=Trigger.USER,
        user=user,
        params={"payment_ids": sorted(payment_ids)},
        enqueue=enqueue,
    )


def payment_queue_failed(*, account, payment_id: int, error: Exception) -> SyncRun | None:
    """Queueing failed after the payment committed: a failed run for exactly this payment."""
    payment = _payment(account, payment_id)
    if payment is None:
        return None
    reason = NOT_QUEUED.format(error=error)
    item = SyncItem(
        entity=ENTITY,
        direction="out",
        object_id=payment.pk,
        label=payment_label(payment)[:200],
        message=reason,
        fix=NOT_QUEUED_FIX,
    )
    return run_not_queued(
        office=payment.invoice.office,
        flow=FLOW,
        error=reason,
        items=[item],
        params={"payment_ids": [payment.pk]},
        work={"entity": ENTITY, "ids": [payment.pk], "done": []},
    )
