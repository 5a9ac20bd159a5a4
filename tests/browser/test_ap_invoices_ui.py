"""End to end: an AP clerk imports an approved Procore invoice with "Procore Import", saving it
routes its line to a project manager, who approves it; the clerk pays it, and the payment lands in
the Procore sandbox as a contract payment on the invoice's commitment."""

from decimal import Decimal

import pytest

from apps.ap_invoices.models import ApInvoice, Commitment, InvoiceStatus, RoutingRule
from apps.procore_sandbox.models import SandboxRecord
from tests.ap_import.conftest import books, pdf  # noqa: F401  (a Procore project with commitments)
from tests.time_export.conftest import link

from .conftest import log_in
from .test_cor_push_ui import work_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_ap_clerk_imports_routes_and_pays_an_invoice(
    page,
    books,  # noqa: F811  (the fixture imported above)
    tenant,
    screenshot,
    monkeypatch,
    tmp_path,
):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    office, pm = tenant.office, tenant.member("project_manager")
    books.configure("manual")
    books.procore.settings.flows = {"payments": True}
    books.procore.settings.save()
    subcontract = Commitment.objects.create(
        office=office, project=books.project, vendor=books.vendor, number="SC-001", title="Drywall"
    )
    link(office, subcontract, "commitment", books.subcontract_id)
    RoutingRule.objects.create(office=office, project=books.project, reviewer=pm)
    books.requisition(number="INV-7")
    document = tmp_path / "inv-7.pdf"
    document.write_bytes(pdf(2))

    log_in(page, tenant.member("ap_clerk").email)
    page.goto("/ap-invoices/new/")
    page.get_by_role("link", name="Procore Import").click()
    row = page.locator("tr", has_text="INV-7")
    row.get_by_text("Approved").wait_for()
    row.get_by_role("button", name="Import").click()
    page.get_by_text("without its attachments").wait_for()
    assert page.get_by_label("Invoice number").input_value() == "INV-7"
    page.get_by_label("Document").set_input_files(str(document))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Requisition").wait_for()
    invoice = ApInvoice.objects.get(invoice_number="INV-7")
    assert invoice.status == InvoiceStatus.IN_REVIEW, invoice.queue_reason
    assert invoice.lines.get().reviewer == pm
    page.get_by_role("button", name="Log out").click()

    log_in(page, pm.email)
    page.goto(f"/ap-invoices/{invoice.pk}/")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Line 1 approved.").wait_for()
    page.get_by_role("button", name="Log out").click()

    log_in(page, tenant.member("ap_clerk").email)
    page.goto(f"/ap-invoices/{invoice.pk}/")
    payments = page.locator("#payments")
    payments.get_by_label("Date").fill("2026-11-20")
    payments.get_by_label("Amount").fill("9000.00")
    payments.get_by_label("Method").select_option(label="Check")
    payments.get_by_label("Check or reference").fill("1042")
    payments.get_by_role("button", name="Record payment").click()
    page.get_by_text("Payment recorded.").wait_for()
    assert not SandboxRecord.objects.filter(resource="contract_payments").exists()
    work_the_queue()  # the worker: the write-back was queued by the payment, not sent inline

    [sent] = SandboxRecord.objects.filter(resource="contract_payments", deleted_at=None)
    assert sent.data["contract_id"] == books.subcontract_id
    assert (sent.data["amount"], sent.data["check_number"]) == ("9000.00", "1042")
    page.reload()
    page.get_by_text(f"In Procore: payment #{sent.id}").wait_for()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.total == Decimal("9000.00")
    screenshot(page, "paid")
