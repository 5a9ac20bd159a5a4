"""Voiding a payment asks first: dismissed, nothing changes; accepted, the payment is void."""

from datetime import date
from decimal import Decimal

import pytest

from apps.ap_invoices.models import ApPayment
from apps.ap_invoices.payments import payment_record
from apps.ap_invoices.services import review_line
from tests.ap_invoices.conftest import ap, make_invoice, rule  # noqa: F401  (fixtures)

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_voiding_a_payment_asks_for_confirmation(
    page,
    ap,  # noqa: F811  (the fixture imported above)
    rule,  # noqa: F811
    tenant,
    monkeypatch,
):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    invoice = make_invoice(ap, tenant.owner)
    review_line(line=invoice.lines.get(), user=ap.reviewer, approve=True)
    payment = payment_record(
        invoice=invoice, date=date(2025, 2, 1), amount=Decimal("400"), method="check",
        user=tenant.owner,
    )  # fmt: skip
    log_in(page, ap.clerk.email)
    page.goto(f"/ap-invoices/{invoice.pk}/")
    void = page.locator(f"tr[data-payment='{payment.pk}']").get_by_role("button", name="Void")
    asked = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    void.click()
    assert asked and asked[0].startswith("Void this payment?")
    page.reload()  # had the form posted, the reload would show it void
    payment.refresh_from_db()
    assert payment.voided_at is None

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.locator(f"tr[data-payment='{payment.pk}']").get_by_role("button", name="Void").click()
    page.get_by_text("Payment voided.").wait_for()
    assert ApPayment.objects.get(pk=payment.pk).voided_at is not None
