import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from apps.ap_invoices.models import ApInvoice, ApPayment, InvoiceStatus, RoutingRule
from apps.ap_invoices.selectors import allow_imported_edits

from .conftest import make_invoice

D = Decimal


@pytest.mark.django_db
def test_the_queue_shows_why_an_invoice_waits_and_filters_by_status(client_as, ap, tenant):
    make_invoice(ap, tenant.owner)
    page = client_as("ap_clerk").get("/ap-invoices/", {"status": "queued"}).content.decode()
    assert "INV-1" in page and "add a routing rule for cost code 06-100" in page
    assert "INV-1" not in client_as("ap_clerk").get("/ap-invoices/?status=paid").content.decode()


@pytest.mark.django_db
def test_a_clerk_enters_an_invoice_with_lines_and_it_is_routed(client_as, ap, rule):
    data = {
        "office": ap.office.pk,
        "queue": ap.queue.pk,
        "project": ap.project.pk,
        "vendor": ap.vendor.pk,
        "commitment": ap.commitment.pk,
        "invoice_number": "A-7",
        "billing_date": "2025-01-31",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Studs",
        "lines-0-cost_code": ap.framing.pk,
        "lines-0-amount": "100.10",
        "lines-0-retainage": "10.01",
        "lines-1-amount": "0.00",
        "lines-1-retainage": "0.00",  # an untouched extra row
    }
    response = client_as("ap_clerk").post("/ap-invoices/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    invoice = ApInvoice.objects.get(invoice_number="A-7")
    assert (invoice.total, invoice.status) == (D("90.09"), InvoiceStatus.IN_REVIEW)


@pytest.mark.django_db
def test_the_detail_shows_the_document_beside_the_lines_and_serves_it(client_as, ap, tenant):
    invoice = make_invoice(ap, tenant.owner, document=ContentFile(b"%PDF-1.4 ours", name="a.pdf"))
    client = client_as("project_manager")
    page = client.get(f"/ap-invoices/{invoice.pk}/").content.decode()
    assert f'src="/ap-invoices/{invoice.pk}/document/"' in page
    document = client.get(f"/ap-invoices/{invoice.pk}/document/")
    assert document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content) == b"%PDF-1.4 ours"


@pytest.mark.django_db
def test_it_refuses_another_accounts_invoice_and_document(client_as, outsider):
    theirs = ApInvoice.objects.create(
        office=outsider.office, invoice_number="T", document=ContentFile(b"x", name="t.pdf")
    )
    client = client_as("owner")
    assert client.get(f"/ap-invoices/{theirs.pk}/").status_code == 404
    assert client.get(f"/ap-invoices/{theirs.pk}/document/").status_code == 404
    assert client.post(f"/ap-invoices/{theirs.pk}/reprocess/").status_code == 404


@pytest.mark.django_db
def test_the_reviewer_approves_then_the_clerk_pays_it_in_full(client, ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    line = invoice.lines.get()
    client.force_login(ap.reviewer)
    client.post(f"/ap-invoices/{invoice.pk}/lines/{line.pk}/review/", {"decision": "approve"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED
    payment = {"date": "2025-02-01", "amount": "900.00", "method": "check", "reference": "1001"}
    assert client.post(f"/ap-invoices/{invoice.pk}/payments/", payment).status_code == 403
    client.force_login(ap.clerk)
    client.post(f"/ap-invoices/{invoice.pk}/payments/", payment)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    paid = ApPayment.objects.get(invoice=invoice)
    page = client.get(f"/ap-invoices/{invoice.pk}/").content.decode()
    void_button = page[page.index(f"/payments/{paid.pk}/void/") :].split("</form>")[0]
    assert 'data-confirm="Void this payment?' in void_button  # trestle.js asks before posting
    client.post(f"/ap-invoices/{invoice.pk}/payments/{paid.pk}/void/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED


@pytest.mark.django_db
def test_a_rejection_without_a_comment_is_refused_on_the_page(client, ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    line = invoice.lines.get()
    client.force_login(ap.reviewer)
    url = f"/ap-invoices/{invoice.pk}/lines/{line.pk}/review/"
    response = client.post(url, {"decision": "reject"}, follow=True)
    assert "Say why the line is rejected." in response.content.decode()
    line.refresh_from_db()
    assert line.review_status == "pending"


@pytest.mark.django_db
def test_reconcile_lists_imported_invoices_and_reprocess_reroutes(client_as, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    ApInvoice.objects.filter(pk=invoice.pk).update(
        procore_requisition_id=42, procore_status="approved", processing_error="Vendor missing"
    )
    client = client_as("ap_clerk")
    page = client.get("/ap-invoices/reconcile/").content.decode()
    assert "Vendor missing" in page and "approved" in page and "Reprocess" in page
    RoutingRule.objects.create(office=ap.office, reviewer=ap.reviewer)
    client.post(f"/ap-invoices/{invoice.pk}/reprocess/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.IN_REVIEW


@pytest.mark.django_db
def test_an_imported_invoice_edit_page_is_read_only_without_the_office_setting(
    client_as, ap, tenant
):
    invoice = make_invoice(ap, tenant.owner)
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_requisition_id=42)
    assert allow_imported_edits(ap.office) is False  # no sync settings row: off
    page = client_as("ap_clerk").get(f"/ap-invoices/{invoice.pk}/edit/").content.decode()
    assert "Imported from Procore" in page and 'name="invoice_number"' in page
    assert re.search(r'<input[^>]*name="invoice_number"[^>]*disabled', page)


@pytest.mark.django_db
def test_routing_rules_are_added_and_deleted_by_a_clerk(client_as, ap):
    client = client_as("ap_clerk")
    data = {
        "office": ap.office.pk,
        "priority": "5",
        "cost_code": ap.drywall.pk,
        "reviewer": ap.reviewer.pk,
        "active": "on",
    }
    assert client.post("/ap-invoices/routing-rules/new/", data).status_code == 302
    rule = RoutingRule.objects.get(cost_code=ap.drywall)
    assert "09-200" in client.get("/ap-invoices/routing-rules/").content.decode()
    client.post(f"/ap-invoices/routing-rules/{rule.pk}/delete/")
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
    assert client_as("project_manager").get("/ap-invoices/routing-rules/new/").status_code == 403


@pytest.mark.django_db
def test_the_queue_pages_by_cursor_newest_first_without_gaps_or_repeats(
    client_as, ap, tenant, outsider
):
    from datetime import UTC, datetime, timedelta

    from tests.keyset_walking import pks, walks_both_ways

    start = datetime(2025, 3, 1, tzinfo=UTC)
    invoices = ApInvoice.objects.bulk_create(  # 13 at each moment: only the id orders those
        ApInvoice(
            office=ap.office,
            vendor=ap.vendor,
            project=ap.project,
            invoice_number=f"N-{n}",
            status="queued" if n % 2 else "in_review",
            created_at=start + timedelta(minutes=n % 10),
        )
        for n in range(130)
    )
    client = client_as("ap_clerk")
    pages = walks_both_ways(client, "/ap-invoices/")
    newest_first = sorted(invoices, key=lambda i: (i.created_at, i.pk), reverse=True)
    assert pks(pages) == [i.pk for i in newest_first]
    assert [len(rows) for _, rows in pages] == [50, 50, 30]
    queued = walks_both_ways(client, "/ap-invoices/?status=queued")
    assert all("status=queued" in url for url, _ in queued)
    assert pks(queued) == [i.pk for i in newest_first if i.status == "queued"]
    outsiders = client.__class__()
    outsiders.force_login(outsider.owner)
    assert list(outsiders.get(pages[1][0]).context["page"]) == []
