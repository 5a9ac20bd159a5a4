"""AP invoice documents under the upload policy: the size limit, a PDF by content, served as
what it is, and a file kept only when the change that brought it is."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.ap_invoices import services
from apps.ap_invoices.models import ApInvoice, InvoiceStatus
from apps.ap_invoices.services import ProcoreKey, invoice_update

from ..uploads_kit import HTML, PDF, stored_files
from .conftest import make_invoice

pytestmark = pytest.mark.django_db


def pdf_upload(content: bytes = PDF, name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def new_invoice_data(ap, document) -> dict:
    return {
        "office": ap.office.pk,
        "queue": ap.queue.pk,
        "invoice_number": "A-7",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Studs",
        "lines-0-amount": "100.00",
        "lines-0-retainage": "0.00",
        "document": document,
    }


def edit_data(invoice: ApInvoice, document, **changes) -> dict:
    line = invoice.lines.get()
    return {
        "queue": invoice.queue_id,
        "invoice_number": invoice.invoice_number,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-id": line.pk,
        "lines-0-description": line.description,
        "lines-0-amount": str(line.amount),
        "lines-0-retainage": str(line.retainage),
        "document": document,
        **changes,
    }


def test_a_clerk_uploads_a_pdf_and_it_is_served_inline_as_a_pdf(client_as, ap):
    client = client_as("ap_clerk")
    assert client.post("/ap-invoices/new/", new_invoice_data(ap, pdf_upload())).status_code == 302
    invoice = ApInvoice.objects.get(invoice_number="A-7")
    served = client.get(f"/ap-invoices/{invoice.pk}/document/")
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("inline;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == PDF


def test_a_document_over_the_limit_is_refused_on_the_form(client_as, ap, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    before = stored_files()
    data = new_invoice_data(ap, pdf_upload(PDF.ljust(2049, b" ")))
    response = client_as("ap_clerk").post("/ap-invoices/new/", data)
    assert response.status_code == 400
    assert "The invoice document can be at most 2 KB." in response.content.decode()
    assert not ApInvoice.objects.exists() and stored_files() == before


def test_the_form_says_a_pdf_and_the_limit(client_as, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    page = client_as("ap_clerk").get("/ap-invoices/new/").content.decode()
    assert "A PDF, up to 10 MB." in page and 'accept="application/pdf"' in page


def test_an_upload_over_the_limit_is_a_json_413_on_the_api(api_as, ap, settings):
    settings.UPLOAD_MAX_BYTES, settings.API_MAX_BODY_BYTES = 2048, 1024
    before = stored_files()
    body = {"office": ap.office.pk, "invoice_number": "A-8", "document": pdf_upload(PDF * 200)}
    response = api_as("ap_clerk").post("/api/v1/ap-invoices/", body, format="multipart")
    assert response.status_code == 413
    assert response.json() == {"detail": "An uploaded file can be at most 2 KB."}
    assert not ApInvoice.objects.exists() and stored_files() == before


def test_an_html_page_named_pdf_is_refused(client_as, ap):
    before = stored_files()
    data = new_invoice_data(ap, pdf_upload(HTML, "invoice.pdf"))
    response = client_as("ap_clerk").post("/ap-invoices/new/", data)
    assert response.status_code == 400
    assert "The invoice document must be a PDF" in response.content.decode()
    assert not ApInvoice.objects.exists() and stored_files() == before


def test_a_document_stored_before_the_policy_is_never_served_as_html(client_as, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    ApInvoice.objects.filter(pk=invoice.pk).update(
        document=default_storage.save("ap-invoices/old.pdf", ContentFile(HTML))
    )
    served = client_as("ap_clerk").get(f"/ap-invoices/{invoice.pk}/document/")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_a_refused_form_edit_stores_nothing(client_as, ap, tenant):
    invoice = make_invoice(ap, tenant.owner, document=ContentFile(PDF, name="first.pdf"))
    first, before = invoice.document.name, stored_files()
    client = client_as("ap_clerk")
    data = edit_data(invoice, pdf_upload(name="second.pdf"), invoice_number="")  # required
    assert client.post(f"/ap-invoices/{invoice.pk}/edit/", data).status_code == 400
    ApInvoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.APPROVED)
    response = client.post(f"/ap-invoices/{invoice.pk}/edit/", edit_data(invoice, pdf_upload()))
    assert "An approved invoice cannot be edited." in response.content.decode()
    assert stored_files() == before
    invoice.refresh_from_db()
    assert invoice.document.name == first


def test_a_role_that_may_not_edit_stores_nothing(client_as, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    before = stored_files()
    response = client_as("field").post(
        f"/ap-invoices/{invoice.pk}/edit/", edit_data(invoice, pdf_upload())
    )
    assert response.status_code == 403 and stored_files() == before


def test_an_edit_rolled_back_after_the_file_was_stored_removes_it(ap, tenant, monkeypatch):
    invoice = make_invoice(ap, tenant.owner, document=ContentFile(PDF, name="first.pdf"))
    before = stored_files()

    def fail(**kwargs):
        raise ValidationError("routing is down")

    monkeypatch.setattr(services, "route_or_queue", fail)
    with pytest.raises(ValidationError):
        invoice_update(invoice=invoice, user=tenant.owner, document=pdf_upload(name="new.pdf"))
    assert stored_files() == before
    assert ApInvoice.objects.get(pk=invoice.pk).document.name in before


def test_a_second_import_of_a_requisition_leaves_no_file(ap, tenant):
    make_invoice(ap, tenant.owner, procore=ProcoreKey(77), document=ContentFile(PDF, name="a.pdf"))
    before = stored_files()
    with pytest.raises(ValidationError, match="already in Trestle"):
        make_invoice(
            ap, tenant.owner, procore=ProcoreKey(77), document=ContentFile(PDF, name="b.pdf")
        )
    assert stored_files() == before


def test_a_replaced_document_is_removed_only_after_commit(
    ap, tenant, django_capture_on_commit_callbacks
):
    invoice = make_invoice(ap, tenant.owner, document=ContentFile(PDF, name="first.pdf"))
    first = invoice.document.name
    with django_capture_on_commit_callbacks() as callbacks:
        invoice_update(invoice=invoice, user=tenant.owner, document=pdf_upload(name="new.pdf"))
        assert default_storage.exists(first)  # not committed yet: the old file stays
    for callback in callbacks:
        callback()
    second = ApInvoice.objects.get(pk=invoice.pk).document.name
    assert second != first and default_storage.exists(second)
    assert not default_storage.exists(first)


def test_an_outsider_gets_404_for_the_document(client, ap, tenant, outsider):
    invoice = make_invoice(ap, tenant.owner, document=ContentFile(PDF, name="a.pdf"))
    client.force_login(outsider.owner)
    assert client.get(f"/ap-invoices/{invoice.pk}/document/").status_code == 404
