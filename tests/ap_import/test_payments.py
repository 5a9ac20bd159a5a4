"""Payments made in Trestle on imported invoices, written back to Procore contract payments on the
invoice's commitment, against the live sandbox: once, with the Procore id kept; edits and voids
carried over; refusals shown on the invoice with Retry; exactly once under injected faults."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.ap_invoices import payments
from apps.ap_invoices.models import ApInvoice, InvoiceStatus, RoutingRule
from apps.ap_invoices.services import review_line
from apps.procore_sandbox import faults
from apps.procore_sandbox.models import SandboxConfig, SandboxRecord
from apps.procore_sync import receivers
from apps.procore_sync.ap_payments.states import payment_states
from apps.procore_sync.ap_payments.writeback import PAYMENT, REPLACED
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, LinkState, SyncRun
from apps.procore_sync.runs import run_retry_failed
from apps.procore_sync.views import ap_payments as retry_view

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
DAY = date(2026, 11, 20)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Runs the payment signal queues, for the test to work as the worker would."""
    sent: list[int] = []
    monkeypatch.setattr(receivers, "enqueue_run", sent.append)
    monkeypatch.setattr(retry_view, "enqueue_run", sent.append)
    return sent


def work(queued: list[int]) -> list[SyncRun]:
    runs = [run_execute(run_id) for run_id in queued]
    queued.clear()
    return runs


def approved_invoice(books, number="INV-1") -> ApInvoice:
    """Imported, routed to the owner and approved: ready to pay (9,000.00 after retainage)."""
    books.requisition(number=number)
    books.run()
    invoice = ApInvoice.objects.get(invoice_number=number)
    for line in invoice.lines.all():
        review_line(line=line, user=books.tenant.owner, approve=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED
    return invoice


@pytest.fixture
def invoice(books) -> ApInvoice:
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    books.procore.settings.flows = {"ap_invoices": True, "payments": True}
    books.procore.settings.save()
    return approved_invoice(books)


def pay(invoice, amount, *, method="check", reference="1042", user=None):
    return payments.payment_record(
        invoice=invoice,
        date=DAY,
        amount=D(amount),
        method=method,
        reference=reference,
        user=user or invoice.office.account.memberships.first().user,
    )


def in_procore() -> list[dict]:
    records = SandboxRecord.objects.filter(resource="contract_payments", deleted_at=None)
    return [
        {**r.data, "id": r.id, "origin_id": r.origin_id, "project_id": r.project_id}
        for r in records.order_by("id")
    ]


def ref_of(payment) -> ExternalRef:
    return ExternalRef.objects.get(procore_type=PAYMENT, object_id=payment.pk)


def test_a_payment_goes_to_procore_once_with_its_id_kept(books, invoice, queued, client):
    payment = pay(invoice, "4000.00")
    [run] = work(queued)
    assert run.counts == {"created": 1}, list(run.items.values("message"))
    [sent] = in_procore()
    assert sent["contract_id"] == books.subcontract_id
    assert sent["project_id"] == books.procore_project_id
    assert (sent["amount"], sent["date"], sent["payment_method"]) == (
        "4000.00",
        "2026-11-20",
        "check",
    )
    assert (sent["check_number"], sent["invoice_number"]) == ("1042", "INV-1")
    assert sent["requisition_id"] == invoice.procore_requisition_id
    assert sent["origin_id"] == f"trestle-payment-{payment.pk}"
    assert ref_of(payment).procore_id == sent["id"]

    again = books.run("ap_payments")  # the scheduled pass: nothing is pending
    assert again.counts == {} and len(in_procore()) == 1
    client.force_login(books.tenant.owner)
    page = client.get(reverse("ap_invoice_detail", args=[invoice.pk])).content.decode()
    assert f"In Procore: payment #{sent['id']}" in page


def test_an_edit_replaces_the_locked_payment_and_a_void_removes_it(invoice, queued):
    payment = pay(invoice, "4000.00", method="electronic", reference="ACH-77")
    work(queued)
    [first] = in_procore()
    assert "reference ACH-77" in first["notes"] and "check_number" not in first

    payments.payment_update(
        payment=payment,
        date=DAY,
        amount=D("4500.00"),
        method="electronic",
        reference="ACH-77",
        user=payment.created_by,
    )
    [run] = work(queued)
    assert run.counts == {"updated": 1} and run.items.get().message == REPLACED
    [second] = in_procore()
    assert second["amount"] == "4500.00" and second["id"] != first["id"]
    assert second["origin_id"] == f"trestle-payment-{payment.pk}-2"
    assert ref_of(payment).procore_id == second["id"]

    payments.payment_void(payment=payment, user=payment.created_by)
    [run] = work(queued)
    assert run.counts == {"deactivated": 1}
    assert in_procore() == []
    assert ref_of(payment).state == LinkState.UNLINKED


def test_what_is_not_an_imported_invoice_or_switched_off_is_not_sent(books, invoice, queued):
    requisition = invoice.procore_requisition_id
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_requisition_id=None)  # a manual one
    pay(ApInvoice.objects.get(pk=invoice.pk), "10.00")
    assert queued == []
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_requisition_id=requisition)

    books.procore.settings.flows = {"ap_invoices": True, "payments": False}
    books.procore.settings.save()
    payment = pay(invoice, "20.00")
    assert queued == [] and in_procore() == []
    assert books.run("ap_payments").error.startswith("Create payments in Procore is off")
    label = payment_states([payment])[payment.pk].label
    assert label == "Not sent: Create payments in Procore is off"


def test_a_refusal_shows_on_the_invoice_and_retry_sends_it(books, invoice, queued, client):
    contract = SandboxRecord.objects.get(id=books.subcontract_id)
    contract.deleted_at = contract.updated_at  # Procore no longer knows the commitment
    contract.save(update_fields=["deleted_at"])
    payment = pay(invoice, "4000.00")
    [run] = work(queued)
    assert run.counts == {"failed": 1}
    item = run.items.get()
    assert "contract_id" in item.message and in_procore() == []
    client.force_login(books.tenant.owner)
    url = reverse("ap_invoice_detail", args=[invoice.pk])
    page = client.get(url).content.decode()
    assert "Failed: " in page and "contract_id" in page
    retry = reverse("ap_payment_retry", args=[invoice.pk, payment.pk])
    assert retry in page

    contract.deleted_at = None
    contract.save(update_fields=["deleted_at"])
    assert client.post(retry).status_code == 302
    [run] = work(queued)
    assert run.counts == {"created": 1}
    assert [p["origin_id"] for p in in_procore()] == [f"trestle-payment-{payment.pk}"]
    assert "In Procore: payment #" in client.get(url).content.decode()


def test_a_payment_on_an_unlinked_commitment_fails_with_the_fix(invoice, queued):
    ExternalRef.objects.filter(procore_type="commitment").update(state="unlinked")
    pay(invoice, "10.00")
    [run] = work(queued)
    item = run.items.get()
    assert item.outcome == "failed" and "is not linked to a Procore commitment" in item.message
    assert "Run the AP import" in item.fix


def test_a_create_whose_answer_is_lost_is_linked_not_sent_again(invoice, queued):
    faults.set_faults(
        drop_after=1.0, paths=["/rest/v1.0/contract_payments"], methods=["POST"], max_faults=1
    )
    payment = pay(invoice, "4000.00")
    [run] = work(queued)
    assert run.counts == {"created": 1}  # confirmed by a look-up by origin_id
    assert [p["origin_id"] for p in in_procore()] == [f"trestle-payment-{payment.pk}"]


@pytest.mark.usefixtures("short_waits")
@pytest.mark.parametrize("seed", [3, 8])
def test_exactly_once_under_injected_faults(books, invoice, queued, seed):
    second = approved_invoice(books, "INV-2")
    faults.set_faults(
        seed=seed,
        error_503=0.2,
        drop_before=0.2,
        drop_after=0.25,
        paths=["/rest/v1.0/contract_payments"],
        methods=["POST", "DELETE"],
    )
    paid = [pay(inv, amount) for inv in (invoice, second) for amount in ("1000.00", "2000.00")]
    paid += [pay(invoice, "500.00", method="electronic", reference="ACH-1")]
    failed = [r for r in work(queued) if r.counts.get("failed")]
    for payment in paid[:2]:  # edits and a void, still under faults
        payments.payment_update(
            payment=payment,
            date=DAY,
            amount=payment.amount + 1,
            method="check",
            reference="2001",
            user=payment.created_by,
        )
    payments.payment_void(payment=paid[2], user=paid[2].created_by)
    failed += [r for r in work(queued) if r.counts.get("failed")]
    rounds = 0
    while failed and rounds < 10:  # the user's Retry, until every payment went through
        failed = [
            r
            for r in (
                run_execute(
                    run_retry_failed(run=f, user=books.tenant.owner, enqueue=lambda _: None).pk
                )
                for f in failed
            )
            if r.counts.get("failed")
        ]
        rounds += 1
    assert not failed
    assert SandboxConfig.objects.get(id=1).faulted_count > 0  # the faults did happen
    faults.reset_faults()

    live = in_procore()
    origins = [p["origin_id"] for p in live]
    assert len(origins) == len(set(origins)) == 4  # one per payment not voided, none twice
    expected = {}
    for payment in paid:
        payment.refresh_from_db()
        if payment.voided_at is None:
            ref = ref_of(payment)
            expected[ref.procore_id] = f"{payment.amount:.2f}"
    assert {p["id"]: p["amount"] for p in live} == expected
    assert books.run("ap_payments").counts == {}  # nothing left pending


def test_the_schedule_sends_what_was_missed(books, invoice, queued):
    from apps.procore_sync import schedules

    payment = pay(invoice, "4000.00")
    queued.clear()  # the run the signal queued is lost, as when the broker was down
    sent: list[int] = []
    assert schedules.queue_due_runs(enqueue=sent.append) >= 1
    runs = {SyncRun.objects.get(pk=run_id).flow: run_id for run_id in sent}
    assert run_execute(runs["ap_payments"]).counts == {"created": 1}
    assert ref_of(payment).procore_id == in_procore()[0]["id"]
