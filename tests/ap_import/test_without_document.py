"""An approved Procore invoice without attachments comes into the AP queue waiting for its
document, with the fix; the reconcile page lists it with a Reprocess that brings the PDF once
Procore has it. Nothing about it is silent, and it is never routed without its PDF."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.ap_invoices.models import ApInvoice, InvoiceStatus, RoutingRule
from apps.ap_invoices.services import invoice_update
from apps.procore_sandbox import ids
from apps.procore_sandbox.generic import attachment_json
from apps.procore_sandbox.models import SandboxAttachment
from apps.procore_sync.ap_import.invoices import WAITING, WAITING_FIX
from apps.procore_sync.engine import run_execute
from apps.procore_sync.views import ap_import as view

from .conftest import pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(view, "enqueue_run", sent.append)
    return sent


@pytest.fixture
def routing(books):
    """An office that routes Procore invoices to reviewers as they come."""
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    books.configure("auto_route")
    return books


def attach_in_procore(books, requisition, pages: int = 2) -> None:
    attachment = SandboxAttachment.objects.create(
        id=ids.allocate(),
        record=requisition,
        filename="INV-1.pdf",
        content_type="application/pdf",
        content=pdf(pages),
    )
    books.procore.change(requisition, attachments=[attachment_json(attachment)])


def test_it_waits_in_the_queue_with_the_fix_and_is_not_routed(routing, client):
    books = routing
    books.requisition(files=())
    run = books.run()
    item = run.items.get(entity="ap_invoices")
    invoice = ApInvoice.objects.get()
    assert (item.outcome, item.object_id, item.message, item.fix) == (
        "created",
        invoice.pk,
        WAITING,
        WAITING_FIX,
    )
    assert invoice.status == InvoiceStatus.QUEUED and invoice.queue == books.queue
    assert invoice.awaits_document and not invoice.document
    assert WAITING in invoice.queue_reason and "Attach the invoice PDF" in invoice.queue_reason
    assert not invoice.lines.exclude(reviewer=None).exists()  # not routed

    again = books.run()  # seen again, unchanged: still waiting, said again, no second invoice
    item = again.items.get(entity="ap_invoices")
    assert (item.outcome, item.message, item.fix) == ("skipped", WAITING, WAITING_FIX)
    assert ApInvoice.objects.count() == 1

    client.force_login(books.tenant.owner)
    queue_page = client.get(reverse("ap_invoice_queue")).content.decode()
    assert "Waiting for a document" in queue_page
    reconcile = client.get(reverse("ap_invoice_reconcile")).content.decode()
    assert "Waiting for a document" in reconcile
    assert reverse("ap_invoice_fetch_document", args=[invoice.pk]) in reconcile


def test_reprocess_brings_the_pdf_once_procore_has_it_and_routes(routing, client, queued):
    books = routing
    requisition = books.requisition(files=())
    books.run()
    invoice = ApInvoice.objects.get()
    client.force_login(books.tenant.owner)
    fetch = reverse("ap_invoice_fetch_document", args=[invoice.pk])

    page = client.post(fetch, follow=True).content.decode()  # Procore has nothing yet
    assert "Fetching" in page
    item = run_execute(queued.pop()).items.get(entity="ap_invoices")
    assert (item.outcome, item.message) == ("skipped", WAITING)

    attach_in_procore(books, requisition, pages=2)
    client.post(fetch)
    item = run_execute(queued.pop()).items.get(entity="ap_invoices")
    invoice.refresh_from_db()
    assert item.outcome == "updated" and invoice.document and invoice.document_pages == 2
    assert not invoice.awaits_document and WAITING not in invoice.queue_reason
    assert invoice.status == InvoiceStatus.IN_REVIEW

    page = client.post(fetch, follow=True).content.decode()  # nothing left to wait for
    assert "is not waiting for a document" in page and queued == []


def test_an_uploaded_pdf_ends_the_wait(books):
    books.requisition(files=())
    books.run()
    invoice = ApInvoice.objects.get()
    upload = SimpleUploadedFile("INV-1.pdf", pdf(1), content_type="application/pdf")
    invoice_update(invoice=invoice, user=books.tenant.owner, document=upload)
    invoice.refresh_from_db()
    assert invoice.document and not invoice.awaits_document
    assert books.run().items.get(entity="ap_invoices").outcome == "skipped"
    invoice.refresh_from_db()
    assert invoice.document  # the import leaves a processed invoice's document alone


def test_another_account_cannot_reprocess_it(books, outsider, client, queued):
    books.requisition(files=())
    books.run()
    invoice = ApInvoice.objects.get()
    client.force_login(outsider.owner)
    response = client.post(reverse("ap_invoice_fetch_document", args=[invoice.pk]))
    assert response.status_code == 404 and queued == []
