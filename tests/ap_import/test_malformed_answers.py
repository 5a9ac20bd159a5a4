"""AP import and payment write-back when Procore answers with a malformed record, through the live
sandbox: the record fails alone with the field named and the rest go through; a payment whose
create answer cannot be read is looked up by origin_id, so a retry never makes a second one."""

import pytest

from apps.ap_invoices.models import ApInvoice, Commitment
from apps.procore_sandbox import faults
from apps.procore_sync.ap_import.manual import importable_list
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.runs import run_retry_failed

from .test_payments import in_procore, invoice, pay, queued, ref_of, work  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
NUMBERS = ["INV-1", "INV-2", "INV-3"]
ID_UNREAD = "'id' should be a Procore id, got 'not a number'"
PAYMENTS = "/rest/v1.0/contract_payments"


def malformed(path: str, field: str, methods=("GET",), max_faults: int = 1) -> None:
    faults.set_faults(
        seed=6,
        wrong_type=1.0,
        wrong_type_fields=[field],
        paths=[path],
        methods=list(methods),
        max_faults=max_faults,
    )


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("id", ID_UNREAD),
        ("updated_at", "'updated_at' should be a date and time, got int 12345"),
        ("billing_date", "'billing_date' is not a date: 12345"),
        ("summary", "'summary' should be an object, got str"),
        ("attachments", "'attachments' of this invoice should be a list of files, got str"),
    ],
)
def test_a_malformed_invoice_fails_alone_and_the_next_run_imports_it(books, field, reason):
    for number in NUMBERS:
        books.requisition(number=number)
    malformed("/rest/v1.1/requisitions", field)
    run = books.run()
    assert run.status == RunStatus.PARTIAL, run.error
    assert run.counts["failed"] == 1
    assert run.items.filter(entity="ap_invoices", outcome="created").count() == 2
    failed = run.items.get(outcome="failed")
    assert failed.entity == "ap_invoices" and reason in failed.message and failed.fix
    assert failed.label.startswith(("Invoice INV-", "Procore invoice #"))
    assert ApInvoice.objects.count() == 2

    again = books.run()  # a failure keeps the cursor: the invoice is read again
    assert again.status == RunStatus.SUCCEEDED, again.error
    assert sorted(ApInvoice.objects.values_list("invoice_number", flat=True)) == NUMBERS


def test_the_manual_import_list_leaves_out_an_invoice_it_cannot_read(books):
    for number in NUMBERS:
        books.requisition(number=number)
    malformed("/rest/v1.1/requisitions", "id")
    rows = importable_list(books.tenant.office)
    assert len(rows) == 2 and {r.data.invoice_number for r in rows} < set(NUMBERS)


@pytest.mark.parametrize(
    ("field", "reason"),
    [("vendor", "'vendor' should be an object, got str"), ("id", ID_UNREAD)],
)
def test_a_malformed_commitment_fails_alone_and_invoices_still_come_in(books, field, reason):
    books.requisition(number="INV-1")
    malformed("/rest/v1.0/work_order_contracts", field)
    run = books.run()
    assert run.status == RunStatus.PARTIAL, run.error
    failed = run.items.get(outcome="failed")
    assert failed.entity == "commitments" and reason in failed.message
    assert failed.label == "SC-001 (work order contract)"
    assert list(Commitment.objects.values_list("number", flat=True)) == ["PO-001"]
    assert ApInvoice.objects.count() == 1

    assert books.run().status == RunStatus.SUCCEEDED
    assert sorted(Commitment.objects.values_list("number", flat=True)) == ["PO-001", "SC-001"]


def test_a_payment_whose_create_answer_has_no_readable_id_is_looked_up(invoice, queued):  # noqa: F811
    malformed(PAYMENTS, "id", methods=["POST"])
    payment = pay(invoice, "4000.00")
    [run] = work(queued)
    assert run.counts == {"created": 1}, list(run.items.values("message"))
    [sent] = in_procore()
    assert ref_of(payment).procore_id == sent["id"]


def test_an_unreadable_payment_fails_alone_and_retry_links_the_one_in_procore(
    books,
    invoice,  # noqa: F811
    queued,  # noqa: F811
):
    # the first payment's create answer, then the listing that looks it up, both malformed
    malformed(PAYMENTS, "id", methods=["POST", "GET"], max_faults=2)
    first, second = pay(invoice, "4000.00"), pay(invoice, "1000.00")
    failed_run, ok_run = work(queued)
    assert failed_run.status == RunStatus.PARTIAL and failed_run.counts == {"failed": 1}
    item = failed_run.items.get()  # the create's answer, then the look-up, could not be read
    assert ID_UNREAD in item.message and "looks it up first" in item.fix
    assert ok_run.counts == {"created": 1}
    assert ref_of(first).procore_id is None and ref_of(first).origin_id  # the intent stays

    retry = run_execute(
        run_retry_failed(run=failed_run, user=books.tenant.owner, enqueue=lambda _: None).pk
    )
    assert retry.counts == {"linked": 1}, list(retry.items.values("message"))
    live = in_procore()
    assert sorted(p["origin_id"] for p in live) == sorted(
        f"trestle-payment-{p.pk}" for p in (first, second)
    )  # one Procore payment each, none twice
    assert {ref_of(p).procore_id for p in (first, second)} == {p["id"] for p in live}
