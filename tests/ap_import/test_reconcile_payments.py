"""The "Procore vs Trestle" report for payments written to Procore, against the sandbox over real
HTTP: each kind of difference planted as a Procore user's edit (the sandbox's store) or through
Trestle's payment services, found with its side and words, and repaired by a write-back run."""

from datetime import date
from decimal import Decimal

import pytest

from apps.ap_invoices import payments
from apps.ap_invoices.models import ApInvoice, InvoiceStatus, RoutingRule
from apps.ap_invoices.services import review_line
from apps.procore_sandbox import store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync import receivers
from apps.procore_sync.ap_payments.writeback import PAYMENT
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, SyncRun
from apps.procore_sync.live import live_connection
from apps.procore_sync.reconcile.flow import CountingClient
from apps.procore_sync.reconcile.payments import payments_compare
from apps.procore_sync.reconcile.services import differences_repair
from tests.reconciling import report_run as report

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2026, 11, 20)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The runs the payment services queue, for the test to run as the worker would."""
    sent: list[int] = []
    monkeypatch.setattr(receivers, "enqueue_run", sent.append)
    return sent


def work(queued: list[int]) -> list[SyncRun]:
    runs = [run_execute(run_id) for run_id in queued]
    queued.clear()
    return runs


@pytest.fixture
def invoice(books) -> ApInvoice:
    """An imported invoice, approved (9,000.00 due), in an office that writes payments back."""
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    switch(books, on=True)
    books.requisition(number="INV-1")
    books.run()
    invoice = ApInvoice.objects.get(invoice_number="INV-1")
    for line in invoice.lines.all():
        review_line(line=line, user=books.tenant.owner, approve=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED
    return invoice


def switch(books, *, on: bool) -> None:
    """The office's "Create payments in Procore"."""
    books.procore.settings.flows = {"ap_invoices": True, "payments": on}
    books.procore.settings.save()


@pytest.fixture
def written(invoice, queued):
    """A check and an electronic payment, written to Procore."""
    user = invoice.office.account.memberships.first().user
    check = pay(invoice, "4000.00", "check", "1042", user)
    wire = pay(invoice, "1500.00", "electronic", "ACH-77", user)
    assert [run.counts for run in work(queued)] == [{"created": 1}, {"created": 1}]
    return check, wire


def pay(invoice, amount, method, reference, user):
    return payments.payment_record(
        invoice=invoice, date=DAY, amount=Decimal(amount), method=method, reference=reference,
        user=user,
    )  # fmt: skip


def edit(payment, **changes):
    """The payment edited through Trestle's service."""
    values = {
        "date": payment.date,
        "amount": payment.amount,
        "method": payment.method,
        "reference": payment.reference,
        **changes,
    }
    return payments.payment_update(payment=payment, user=payment.created_by, **values)


def twin(payment) -> SandboxRecord:
    ref = ExternalRef.objects.get(procore_type=PAYMENT, object_id=payment.pk)
    return SandboxRecord.objects.get(id=ref.procore_id)


def procore_edit(payment, **changes) -> None:
    """What a Procore user's edit of the payment leaves in Procore."""
    store.record_update(twin(payment), changes)


def in_procore() -> list[dict]:
    records = SandboxRecord.objects.filter(resource="contract_payments", deleted_at=None)
    return [{**r.data, "origin_id": r.origin_id} for r in records.order_by("id")]


def found(run: SyncRun) -> list[tuple[str, str, str, str]]:
    differences = run.differences.filter(flow="ap_payments")
    return sorted((d.field, d.key, d.side, d.repair) for d in differences)


def repair(run: SyncRun, tenant) -> SyncRun:
    """The report's repair of every payment difference, run as the worker would."""
    [queued] = differences_repair(
        differences=list(run.differences.filter(flow="ap_payments")),
        user=tenant.owner,
        enqueue=lambda i: None,
    )
    assert all(d.repair_run_id == queued.pk for d in run.differences.filter(flow="ap_payments"))
    done = run_execute(queued.pk)
    assert done.status == "succeeded", list(done.items.values_list("message", "fix"))
    return done


def test_written_payments_untouched_have_no_difference_in_one_request(written, tenant):
    run = report(tenant)
    assert found(run) == []
    assert run.counts["requests"] == run.counts["requests_min"]
    client = CountingClient(live_connection(tenant.office))
    assert payments_compare(tenant.office, client).requests_min == client.sent == 1


def test_the_report_lists_each_commitment_once_whatever_its_payments(
    books, written, tenant, queued
):
    books.requisition(
        number="INV-2", commitment_id=books.purchase_order_id,
        commitment_type="PurchaseOrderContract", contract_name="Board PO",
    )  # fmt: skip
    books.run()
    second = ApInvoice.objects.get(invoice_number="INV-2")
    for line in second.lines.all():
        review_line(line=line, user=books.tenant.owner, approve=True)
    user = second.office.account.memberships.first().user
    for n in range(3):
        pay(ApInvoice.objects.get(pk=second.pk), "100.00", "check", f"20{n}", user)
    assert {run.status for run in work(queued)} == {"succeeded"}
    client = CountingClient(live_connection(tenant.office))
    compared = payments_compare(tenant.office, client)
    assert compared.differences == [] and compared.requests_min == client.sent == 2


def test_an_amount_changed_in_procore_is_found_and_sent_again(written, tenant):
    check, _ = written
    procore_edit(check, amount="4400.00")
    run = report(tenant)
    assert found(run) == [("amount", "", "procore", "send_again")]
    difference = run.differences.get(flow="ap_payments")
    assert difference.object_id == check.pk
    assert difference.message == (
        f"Procore's amount of payment #{twin(check).id} (invoice INV-1) is $4,400.00; "
        "Trestle sent $4,000.00; changed in Procore."
    )

    assert repair(run, tenant).counts == {"updated": 1}
    assert found(report(tenant)) == []
    assert sorted(p["amount"] for p in in_procore()) == ["1500.00", "4000.00"]


def test_a_date_and_a_reference_changed_in_procore_are_values_by_field(written, tenant):
    check, wire = written
    procore_edit(check, date="2026-11-21")
    procore_edit(wire, notes="Paid in Trestle by electronic, reference ACH-78")
    run = report(tenant)
    assert found(run) == [
        ("value", "date", "procore", "send_again"),
        ("value", "reference", "procore", "send_again"),
    ]
    reference = run.differences.get(key="reference")
    assert reference.object_id == wire.pk
    assert (reference.trestle_value, reference.procore_value) == ("ACH-77", "ACH-78")
    assert reference.message.endswith("is ACH-78; Trestle sent ACH-77; changed in Procore.")

    repair(run, tenant)
    assert found(report(tenant)) == []


def test_an_edit_in_trestle_not_yet_sent_is_on_trestles_side_and_sent_again(
    books, written, tenant, queued
):
    check, _ = written
    edit(check, amount=Decimal("4200.00"))
    assert found(report(tenant)) == []  # its write-back run is queued: not a difference yet
    SyncRun.objects.filter(pk__in=queued).update(status="failed")
    queued.clear()

    run = report(tenant)
    assert found(run) == [("amount", "", "trestle", "send_again")]
    assert run.differences.get(flow="ap_payments").message.endswith(
        "is $4,000.00; Trestle has $4,200.00; changed in Trestle."
    )
    repair(run, tenant)
    assert found(report(tenant)) == []
    assert sorted(p["amount"] for p in in_procore()) == ["1500.00", "4200.00"]


def test_changes_on_both_sides_say_which_side_changed_each_field(books, written, tenant):
    check, wire = written
    switch(books, on=False)  # nothing is written back while the office has it off
    edit(check, amount=Decimal("4100.00"))
    edit(wire, amount=Decimal("1600.00"))
    switch(books, on=True)
    procore_edit(check, date="2026-11-22")
    procore_edit(wire, amount="1700.00")
    run = report(tenant)
    assert found(run) == [
        ("amount", "", "both", "send_again"),
        ("amount", "", "trestle", "send_again"),
        ("value", "date", "procore", "send_again"),
    ]
    assert run.differences.get(side="both").object_id == wire.pk

    repair(run, tenant)
    assert found(report(tenant)) == []


def test_a_method_changed_in_trestle_while_payments_were_off_is_sent_again(books, written, tenant):
    check, _ = written
    switch(books, on=False)  # nothing is written back while the office has it off
    edit(check, method="electronic")
    switch(books, on=True)
    run = report(tenant)
    assert found(run) == [("value", "method", "trestle", "send_again")]
    assert run.differences.get(flow="ap_payments").message.endswith(
        "is check; Trestle has electronic; changed in Trestle."
    )

    repair(run, tenant)
    assert found(report(tenant)) == []
    assert "Paid in Trestle by electronic, reference 1042" in [p["notes"] for p in in_procore()]


def test_a_payment_deleted_in_procore_is_missing_and_created_again(written, tenant):
    check, _ = written
    store.record_delete(twin(check))
    run = report(tenant)
    assert found(run) == [("missing_record", "", "procore", "send_again")]
    assert run.differences.get(flow="ap_payments").message == (
        f"Payment #{twin(check).id} (invoice INV-1) is no longer in Procore; "
        "Trestle sent $4,000.00 on Nov 20, 2026; changed in Procore."
    )

    repair(run, tenant)
    assert found(report(tenant)) == []
    assert [p["origin_id"] for p in in_procore() if p["amount"] == "4000.00"] == [
        f"trestle-payment-{check.pk}-2"
    ]


def test_a_payment_voided_in_trestle_but_left_in_procore_is_withdrawn(books, written, tenant):
    check, _ = written
    switch(books, on=False)
    payments.payment_void(payment=check, user=check.created_by)
    switch(books, on=True)
    run = report(tenant)
    assert found(run) == [("extra_record", "", "trestle", "withdraw")]
    assert "at $4,000.00; the payment was voided in Trestle; changed in Trestle." in (
        run.differences.get(flow="ap_payments").message
    )

    repair(run, tenant)
    assert found(report(tenant)) == []
    assert [p["amount"] for p in in_procore()] == ["1500.00"]


def test_a_payment_procore_answers_unreadably_is_a_failed_item_not_a_difference(written, tenant):
    check, _ = written
    procore_edit(check, amount="lots")
    run = report(tenant, status="partial")
    assert found(run) == []
    item = run.items.get(outcome="failed")
    assert item.label == f"Procore payment #{twin(check).id}" and "'amount'" in item.message


def test_a_payment_never_written_is_not_a_difference(invoice, tenant, queued):
    pay(invoice, "10.00", "check", "7", invoice.office.account.memberships.first().user)
    assert found(report(tenant)) == []
