"""Each payment's Procore state, as the invoice page shows it, with whether Retry makes sense."""

from collections.abc import Iterable
from dataclasses import dataclass

from apps.ap_invoices.models import ApPayment

from ..engine_models import ExternalRef, LinkState, SyncSettings
from ..outbound import GONE
from .payload import payment_print
from .writeback import PAYMENT, SWITCH, payment_content_type


@dataclass(frozen=True)
class PaymentState:
    label: str
    tone: str = ""  # "ok", "warn" or "error": the badge's colour
    retry: bool = False


OFF = PaymentState("Not sent: Create payments in Procore is off")
WAITING = PaymentState("Waiting to be sent", "warn")
SENDING = PaymentState("Sending: Procore has not confirmed it yet", "warn")
REMOVED = PaymentState("Removed from Procore")


def state_of(payment: ApPayment, ref: ExternalRef | None, switched_on: bool) -> PaymentState:
    if ref is not None and ref.state == LinkState.FAILED:
        return PaymentState(f"Failed: {ref.error}" if ref.error else "Failed", "error", True)
    if ref is None or ref.procore_id is None:
        if ref is not None and ref.state == LinkState.UNLINKED:
            return REMOVED
        if payment.voided_at is not None and (ref is None or ref.state in GONE):
            return PaymentState("Voided before it reached Procore")
        if not switched_on:
            return OFF
        return SENDING if ref is not None and ref.origin_id and ref.state not in GONE else WAITING
    if payment.voided_at is not None:
        return PaymentState(f"Void: removing Procore payment #{ref.procore_id}", "warn", True)
    if ref.fingerprint != payment_print(payment):
        return PaymentState(
            f"Out of date: updating Procore payment #{ref.procore_id}", "warn", True
        )
    return PaymentState(f"In Procore: payment #{ref.procore_id}", "ok")


def payment_states(payments: Iterable[ApPayment]) -> dict[int, PaymentState]:
    """{payment id: state} for payments of imported invoices, in two queries."""
    payments = [p for p in payments if p.invoice.procore_requisition_id is not None]
    if not payments:
        return {}
    refs = {
        r.object_id: r
        for r in ExternalRef.objects.filter(
            procore_type=PAYMENT,
            content_type=payment_content_type(),
            object_id__in=[p.pk for p in payments],
        )
    }
    offices = {p.invoice.office_id for p in payments}
    switched_on = {
        s.office_id
        for s in SyncSettings.objects.filter(office_id__in=offices)
        if s.flows.get(SWITCH)
    }
    return {p.pk: state_of(p, refs.get(p.pk), p.invoice.office_id in switched_on) for p in payments}
