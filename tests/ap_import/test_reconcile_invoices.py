"""The "Procore vs Trestle" report for AP invoices imported from Procore, against the sandbox over
real HTTP: each kind of difference planted on its side, found with its words, and repaired."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.ap_invoices.models import ApInvoice, InvoiceStatus, RoutingRule
from apps.ap_invoices.payments import payment_record
from apps.ap_invoices.services import Line, invoice_update, review_line
from apps.procore_sandbox import edits, store
from apps.procore_sync.ap_import.invoices import FLAGGED
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.live import live_connection
from apps.procore_sync.reconcile.flow import CountingClient
from apps.procore_sync.reconcile.invoices import invoices_compare
from apps.procore_sync.reconcile.services import differences_repair
from apps.procore_sync.reconcile_models import Difference
from tests.reconciling import report_run

from .conftest import pdf
from .test_without_document import attach_in_procore

pytestmark = pytest.mark.django_db(transaction=True)


def report(books, status: str = "succeeded") -> SyncRun:
    return report_run(books.tenant, status)


def found(run: SyncRun) -> list[tuple[str, str, str]]:
    differences = run.differences.filter(flow="ap_import")
    return sorted((d.field, d.side, d.repair) for d in differences)


def repair(books, run: SyncRun) -> list[SyncRun]:
    """Repair the report's AP differences and run what it queued, as the worker would."""
    queued = differences_repair(
        differences=list(run.differences.filter(flow="ap_import")),
        user=books.tenant.owner,
        enqueue=lambda i: None,
    )
    return [run_execute(r.pk) for r in queued]


@pytest.fixture
def imported(books):
    """An approved invoice imported with its PDF (queued, nobody has processed it)."""
    record = books.requisition(files=((b"", 2),))
    assert books.run().status == "succeeded"
    return record, ApInvoice.objects.get()


@pytest.fixture
def routed(books):
    """An approved invoice imported with its PDF and routed to a reviewer (processed)."""
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    record = books.requisition()
    assert books.run().status == "succeeded"
    invoice = ApInvoice.objects.get()
    assert invoice.processed_at and invoice.status == InvoiceStatus.IN_REVIEW
    return record, invoice


def test_untouched_imports_have_no_difference_in_one_request(books):
    books.requisition(number="INV-1")
    books.requisition(number="INV-2", files=())  # waiting for its document
    books.run()
    assert ApInvoice.objects.count() == 2
    assert found(report(books)) == []
    client = CountingClient(live_connection(books.tenant.office))
    result = invoices_compare(books.tenant.office, client)
    assert result.differences == [] and client.sent == result.requests_min == 1


def test_a_project_reads_one_list_request_per_hundred_invoices(books):
    for n in range(101):
        books.requisition(number=f"INV-{n}", files=())
    books.run()
    client = CountingClient(live_connection(books.tenant.office))
    result = invoices_compare(books.tenant.office, client)
    assert result.differences == [] and client.sent == result.requests_min == 2


def test_an_amount_changed_in_procore_is_found_and_reimported_in_place(books, imported):
    record, invoice = imported
    books.procore.change(record, total_claimed_amount="12000.00")
    run = report(books)
    assert found(run) == [("amount", "procore", "reimport")]
    difference = run.differences.get(flow="ap_import")
    assert (difference.object_id, difference.procore_id) == (invoice.pk, record.id)
    assert difference.message == (
        "Procore's total of invoice INV-1 is $11,000.00; Trestle imported $9,000.00; "
        "changed in Procore."
    )

    [done] = repair(books, run)
    assert done.status == "succeeded" and done.params == {
        "requisitions": {str(books.procore_project_id): [record.id]}
    }
    invoice.refresh_from_db()
    assert invoice.total == Decimal("11000.00") and ApInvoice.objects.count() == 1
    assert found(report(books)) == []


def test_an_amount_edited_in_trestle_is_found_on_trestles_side_and_reimported(books, imported):
    _, invoice = imported
    line = invoice.lines.get()
    edited = Line(description=line.description, amount=Decimal("9500.00"), retainage=line.retainage)
    invoice_update(
        invoice=invoice, user=books.tenant.owner, lines=[edited], allow_imported_edits=True
    )
    run = report(books)
    assert found(run) == [("amount", "trestle", "reimport")]
    assert run.differences.get(flow="ap_import").message == (
        "Procore's total of invoice INV-1 is $9,000.00; Trestle has $8,500.00; changed in Trestle."
    )

    [done] = repair(books, run)  # the processed invoice is reopened, then takes Procore's
    assert done.status == "succeeded"
    invoice.refresh_from_db()
    assert invoice.total == Decimal("9000.00") and invoice.processed_at is None
    assert found(report(books)) == []


def test_a_status_changed_in_procore_is_recorded_on_the_processed_invoice(books, routed):
    record, invoice = routed
    edits.invoice_status_set(
        company=books.procore.company, requisition_id=record.id, status="revise_and_resubmit"
    )
    run = report(books)
    assert found(run) == [("status", "procore", "reimport")]
    assert run.differences.get(flow="ap_import").message == (
        "Procore's status of invoice INV-1 is Revise and resubmit; Trestle imported Approved; "
        "changed in Procore."
    )

    [done] = repair(books, run)  # listed by id though no longer approved; flagged, not reopened
    assert done.status == "succeeded"
    invoice.refresh_from_db()
    assert invoice.procore_status == "Revise and resubmit" and invoice.procore_changed
    assert invoice.status == InvoiceStatus.IN_REVIEW
    assert found(report(books)) == []


def test_an_invoice_waiting_for_a_document_that_procore_now_has_is_found_and_takes_it(books):
    record = books.requisition(files=())
    books.run()
    attach_in_procore(books, record, pages=3)
    run = report(books)
    assert found(run) == [("attachments", "procore", "reimport")]
    assert run.differences.get(flow="ap_import").message == (
        "Procore's attachments of invoice INV-1 are INV-1.pdf; Trestle has waiting for a "
        "document; changed in Procore."
    )

    repair(books, run)
    invoice = ApInvoice.objects.get()
    assert invoice.document and invoice.document_pages == 3 and not invoice.awaits_document
    assert found(report(books)) == []


def test_attachments_replaced_in_procore_are_found_and_the_pdf_rebuilt(books, imported):
    record, invoice = imported
    attach_in_procore(books, record, pages=1)  # one new file in place of the two pages
    run = report(books)
    assert found(run) == [("attachments", "procore", "reimport")]
    assert run.differences.get(flow="ap_import").trestle_value == (
        "a PDF of 2 pages from attachments Procore no longer has"
    )

    repair(books, run)
    invoice.refresh_from_db()
    assert invoice.document_pages == 1
    assert found(report(books)) == []


def test_a_pdf_uploaded_in_trestle_is_not_a_difference(books):
    books.requisition(files=())
    books.run()
    invoice = ApInvoice.objects.get()
    upload = SimpleUploadedFile("mine.pdf", pdf(1), content_type="application/pdf")
    invoice_update(invoice=invoice, user=books.tenant.owner, document=upload)
    assert found(report(books)) == []


def test_an_invoice_deleted_in_procore_is_found_and_unlinked(books, imported):
    record, invoice = imported
    store.record_delete(record)
    run = report(books)
    assert found(run) == [("record_deleted", "procore", "unlink")]
    assert run.differences.get(flow="ap_import").message == (
        f"Invoice INV-1 (requisition #{record.id}) is no longer in Procore; Trestle imported it; "
        "changed in Procore."
    )

    assert repair(books, run) == []  # written at once, no run
    invoice.refresh_from_db()
    assert invoice.procore_requisition_id is None and invoice.procore_status == ""
    assert not Difference.objects.filter(flow="ap_import", resolved_at__isnull=True).exists()
    assert found(report(books)) == []


def test_an_unreadable_invoice_is_a_failed_item_and_hides_no_deletion(books):
    broken = books.requisition(number="INV-1")
    gone = books.requisition(number="INV-2")
    books.run()
    books.procore.change(broken, total_claimed_amount="lots")
    store.record_delete(gone)
    run = report(books, status="partial")  # what was read is compared; the rest says why
    assert found(run) == []
    item = run.items.get(entity="ap_invoices")
    assert item.outcome == "failed" and "total_claimed_amount" in item.message


def test_a_repeated_report_keeps_the_difference_and_its_first_finding(books, imported):
    record, _ = imported
    books.procore.change(record, total_claimed_amount="12000.00")
    first = report(books).differences.get(flow="ap_import")
    second = report(books).differences.get(flow="ap_import")
    assert second.identity == first.identity and second.first_found_at == first.first_found_at


def test_a_paid_invoice_changed_in_procore_is_flagged_not_rebuilt(books, routed):
    record, invoice = routed
    review_line(line=invoice.lines.get(), user=books.tenant.owner, approve=True)
    payment_record(
        invoice=invoice, date=date(2026, 11, 15), amount=Decimal("100.00"), method="check",
        user=books.tenant.owner,
    )  # fmt: skip
    books.procore.change(record, total_claimed_amount="12000.00")
    run = report(books)
    assert found(run) == [("amount", "procore", "reimport")]

    [done] = repair(books, run)  # a payment keeps the figures: flagged for a person instead
    assert done.items.get(entity="ap_invoices").message == FLAGGED
    invoice.refresh_from_db()
    assert invoice.procore_changed and invoice.total == Decimal("9000.00")
    assert found(report(books)) == [("amount", "procore", "reimport")]


def test_an_unprocessed_invoice_moved_out_of_approved_takes_its_pdf_but_is_not_routed(books):
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    record = books.requisition(files=())
    books.run()
    attach_in_procore(books, record, pages=1)
    edits.invoice_status_set(
        company=books.procore.company, requisition_id=record.id, status="draft"
    )
    run = report(books)
    assert found(run) == [("attachments", "procore", "reimport"), ("status", "procore", "reimport")]

    repair(books, run)
    invoice = ApInvoice.objects.get()
    assert invoice.procore_status == "Draft" and invoice.document
    assert invoice.status == InvoiceStatus.QUEUED and invoice.processed_at is None
    assert found(report(books)) == []
