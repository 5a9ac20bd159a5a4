"""Approved subcontractor invoices from Procore into the AP queue, against the live sandbox."""

from decimal import Decimal

import pytest
from pypdf import PdfReader

from apps.ap_invoices.models import ApInvoice, Commitment, InvoiceStatus
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_commitments_come_in_linked_to_their_vendor(books):
    run = books.run()
    assert run.status == RunStatus.SUCCEEDED, run.error
    subcontract = Commitment.objects.get(number="SC-001")
    purchase_order = Commitment.objects.get(number="PO-001")
    assert (subcontract.kind, purchase_order.kind) == ("subcontract", "purchase_order")
    assert subcontract.vendor == purchase_order.vendor == books.vendor
    assert subcontract.project == books.project and subcontract.grand_total == D("100000.00")
    refs = ExternalRef.objects.filter(procore_type="commitment")
    assert set(refs.values_list("procore_id", flat=True)) == {
        books.subcontract_id,
        books.purchase_order_id,
    }
    books.run()  # again: nothing new
    assert Commitment.objects.count() == 2


def test_an_invoice_comes_in_with_its_attachments_as_one_pdf(books):
    requisition = books.requisition(files=((b"", 2), (b"", 3)))
    run = books.run()
    assert run.status == RunStatus.SUCCEEDED, run.error
    invoice = ApInvoice.objects.get(procore_requisition_id=requisition.id)
    assert invoice.document_pages == 5
    with invoice.document.open("rb") as document:
        assert len(PdfReader(document).pages) == 5
    assert invoice.queue == books.queue and invoice.status == InvoiceStatus.QUEUED
    assert invoice.procore_status == "Approved" and invoice.processed_at is None
    assert (invoice.subtotal, invoice.retainage, invoice.total) == (
        D("10000.00"),
        D("1000.00"),
        D("9000.00"),
    )
    assert (str(invoice.period_start), str(invoice.period_end)) == ("2026-10-01", "2026-10-31")
    assert invoice.commitment.number == "SC-001" and invoice.vendor == books.vendor
    item = run.items.get(entity="ap_invoices")
    assert (item.outcome, item.object_id) == ("created", invoice.pk)


def test_approved_as_noted_keeps_its_own_status(books):
    books.requisition(status="approved_as_noted", number="INV-2")
    books.requisition(status="under_review", number="INV-3")  # not approved: not imported
    books.run()
    (invoice,) = ApInvoice.objects.all()
    assert (invoice.invoice_number, invoice.procore_status) == ("INV-2", "Approved as noted")


def test_a_non_pdf_attachment_fails_that_invoice_alone(books):
    books.requisition(files=((b"", 1), (b"GIF89a not a pdf", 0)), number="INV-BAD")
    books.requisition(number="INV-OK")
    run = books.run()
    assert run.status == RunStatus.PARTIAL
    failed = run.items.get(outcome="failed")
    assert "INV-BAD-2.pdf is not a PDF" in failed.message
    assert list(ApInvoice.objects.values_list("invoice_number", flat=True)) == ["INV-OK"]


def test_auto_route_sends_a_complete_invoice_to_review(books):
    from apps.ap_invoices.models import RoutingRule

    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    books.requisition()
    run = books.run()
    invoice = ApInvoice.objects.get()
    assert invoice.status == InvoiceStatus.IN_REVIEW, invoice.queue_reason
    assert invoice.processed_at is not None
    assert run.items.get(entity="ap_invoices").message == "Routed to reviewers."


def test_auto_route_without_a_rule_leaves_it_queued_with_the_reason(books):
    books.configure("auto_route")
    books.requisition()
    run = books.run()
    invoice = ApInvoice.objects.get()
    assert invoice.status == InvoiceStatus.QUEUED
    assert "Line 1 has no reviewer" in invoice.queue_reason
    assert "no reviewer" in run.items.get(entity="ap_invoices").message


def test_importing_again_never_makes_a_second_invoice(books):
    books.requisition()
    books.run()
    run = books.run(full=True)
    assert ApInvoice.objects.count() == 1
    assert run.items.get(entity="ap_invoices").outcome == "skipped"


def test_an_unprocessed_invoice_is_refreshed_from_procore(books):
    requisition = books.requisition()
    books.run()
    books.procore.change(requisition, total_claimed_amount="12000.00", invoice_number="INV-1A")
    run = books.run()
    invoice = ApInvoice.objects.get()
    assert (invoice.invoice_number, invoice.subtotal) == ("INV-1A", D("12000.00"))
    assert invoice.lines.count() == 1 and not invoice.procore_changed
    assert run.items.get(entity="ap_invoices").outcome == "updated"


def test_a_processed_invoice_is_flagged_not_overwritten(books):
    from apps.ap_invoices.routing import route_or_queue

    requisition = books.requisition()
    books.run()
    route_or_queue(invoice=ApInvoice.objects.get())  # someone processed it here
    books.procore.change(requisition, total_claimed_amount="12000.00")
    run = books.run()
    invoice = ApInvoice.objects.get()
    assert invoice.procore_changed and invoice.subtotal == D("10000.00")
    assert "flagged" in run.items.get(entity="ap_invoices").message


def test_a_flagged_invoice_takes_procores_changes_when_asked(books, client, monkeypatch):
    from apps.ap_invoices import payments
    from apps.ap_invoices.routing import route_or_queue
    from apps.procore_sync.views import ap_import as view

    queued: list[int] = []
    monkeypatch.setattr(view, "enqueue_run", queued.append)
    requisition = books.requisition()
    books.run()
    invoice = ApInvoice.objects.get()
    route_or_queue(invoice=invoice)  # processed here, then changed in Procore
    books.procore.change(requisition, total_claimed_amount="12000.00", invoice_number="INV-1A")
    books.run()
    client.force_login(books.tenant.owner)
    url = f"/sync/ap/{invoice.pk}/take-procore/"
    assert url in client.get(f"/ap-invoices/{invoice.pk}/").content.decode()

    assert client.post(url).status_code == 302
    [run_id] = queued
    assert run_execute(run_id).items.get(entity="ap_invoices").outcome == "updated"
    invoice.refresh_from_db()
    assert (invoice.invoice_number, invoice.subtotal) == ("INV-1A", D("12000.00"))
    assert not invoice.procore_changed and invoice.status == InvoiceStatus.QUEUED

    invoice.status = InvoiceStatus.APPROVED  # paid here: its figures are kept
    invoice.save()
    payments.payment_record(
        invoice=invoice,
        date=invoice.billing_date,
        amount=D("1.00"),
        method="check",
        user=books.tenant.owner,
    )
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_changed=True)
    page = client.post(url, follow=True).content.decode()
    assert "keeps its figures" in page and len(queued) == 1
    assert ApInvoice.objects.get(pk=invoice.pk).procore_changed
