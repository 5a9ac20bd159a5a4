"""Payments on approved invoices; the invoice is paid once they cover its total."""

from datetime import date as Date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import Account, User

from .models import ApInvoice, ApPayment, InvoiceStatus, PaymentMethod
from .signals import ap_payment_changed
from .totals import ZERO


def paid_total(invoice: ApInvoice, *, excluding: ApPayment | None = None) -> Decimal:
    payments = invoice.payments.filter(voided_at=None)
    if excluding is not None:
        payments = payments.exclude(pk=excluding.pk)
    return payments.aggregate(s=Sum("amount"))["s"] or ZERO


def _announce(payment: ApPayment, account: Account, action: str) -> None:
    """Tell listeners (the Procore write-back) once the payment is committed."""
    payment_id = payment.pk
    transaction.on_commit(
        lambda: ap_payment_changed.send(
            sender=ApPayment, account=account, payment_id=payment_id, action=action
        )
    )


def _check(invoice: ApInvoice, amount: Decimal, method: str, already: Decimal) -> None:
    if invoice.status not in (InvoiceStatus.APPROVED, InvoiceStatus.PAID):
        raise ValidationError("Only an approved invoice can be paid.")
    if amount <= 0:
        raise ValidationError("A payment must be more than zero.")
    if method not in PaymentMethod.values:
        raise ValidationError("Choose how it was paid.")
    if already + amount > invoice.total:
        raise ValidationError(
            f"That pays more than the invoice: {invoice.total - already} is left to pay."
        )


def _settle(invoice: ApInvoice) -> None:
    paid = paid_total(invoice) >= invoice.total
    invoice.status = InvoiceStatus.PAID if paid else InvoiceStatus.APPROVED
    invoice.save(update_fields=["status", "updated_at"])


def _settled(invoice: ApInvoice, payment: ApPayment, user: User, action: str) -> None:
    """After any payment change: the invoice's status, the audit entry, and the announcement."""
    _settle(invoice)
    detail = {"invoice": invoice.pk}
    if action != "voided":
        detail["amount"] = str(payment.amount)
    audit_record(
        account=invoice.office.account,
        actor=user,
        action=f"ap_payment.{action}",
        target=payment,
        detail=detail,
    )
    _announce(payment, invoice.office.account, action)


def _locked(invoice_id: int) -> ApInvoice:
    # Locked so two clerks paying at once cannot overpay the invoice together.
    return ApInvoice.objects.select_for_update().select_related("office").get(pk=invoice_id)


@transaction.atomic
def payment_record(
    *,
    invoice: ApInvoice,
    date: Date,
    amount: Decimal,
    method: str,
    reference: str = "",
    user: User,
) -> ApPayment:
    invoice = _locked(invoice.pk)
    _check(invoice, amount, method, paid_total(invoice))
    payment = ApPayment.objects.create(
        invoice=invoice,
        date=date,
        amount=amount,
        method=method,
        reference=reference.strip(),
        created_by=user,
    )
    _settled(invoice, payment, user, "created")
    return payment


@transaction.atomic
def payment_update(
    *,
    payment: ApPayment,
    date: Date,
    amount: Decimal,
    method: str,
    reference: str = "",
    user: User,
) -> ApPayment:
    invoice = _locked(payment.invoice_id)
    if payment.voided_at is not None:
        raise ValidationError("A voided payment cannot be changed.")
    _check(invoice, amount, method, paid_total(invoice, excluding=payment))
    payment.date, payment.amount, payment.method = date, amount, method
    payment.reference = reference.strip()
    payment.save()
    _settled(invoice, payment, user, "updated")
    return payment


@transaction.atomic
def payment_void(*, payment: ApPayment, user: User) -> ApPayment:
    invoice = _locked(payment.invoice_id)
    payment = ApPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.voided_at is not None:
        raise ValidationError("This payment is already void.")
    payment.voided_at = timezone.now()
    payment.save(update_fields=["voided_at", "updated_at"])
    _settled(invoice, payment, user, "voided")
    return payment
