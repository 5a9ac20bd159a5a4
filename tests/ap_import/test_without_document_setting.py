"""The office's "Import invoices without a PDF" setting: "wait" (the default) holds an approved
invoice without attachments in the queue waiting for its document; "import" processes it like
any other, without a PDF (Trestle builds none from the invoice's data)."""

import pytest
from django.core.exceptions import ValidationError

from apps.ap_invoices.models import ApInvoice, InvoiceStatus, RoutingRule
from apps.procore_sync.ap_import.invoices import WAITING, WAITING_REASON, WITHOUT_PDF
from apps.procore_sync.engine_models import ImportWizard, SyncSettings
from apps.procore_sync.views import wizard as view
from apps.procore_sync.wizard import SettingsChoice, settings_save

from .test_reconcile_invoices import found, repair, report
from .test_without_document import attach_in_procore

pytestmark = pytest.mark.django_db(transaction=True)


def without_document(books, value: str, mode: str = "auto_queue") -> None:
    books.configure(mode)
    settings = books.procore.settings
    settings.options = {**settings.options, "ap_without_document": value}
    settings.save()


def test_wait_holds_it_in_the_queue_and_never_routes_it(books):
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    without_document(books, "wait", mode="auto_route")
    books.requisition(files=())
    item = books.run().items.get(entity="ap_invoices")
    invoice = ApInvoice.objects.get()
    assert (item.outcome, item.message) == ("created", WAITING)
    assert invoice.awaits_document and invoice.queue_reason == WAITING_REASON
    assert invoice.status == InvoiceStatus.QUEUED and invoice.processed_at is None


def test_import_routes_it_without_a_pdf_and_a_later_pdf_is_found_and_taken(books):
    RoutingRule.objects.create(office=books.tenant.office, reviewer=books.tenant.owner)
    without_document(books, "import", mode="auto_route")
    requisition = books.requisition(files=())
    item = books.run().items.get(entity="ap_invoices")
    invoice = ApInvoice.objects.get()
    assert (item.outcome, item.message) == ("created", f"{WITHOUT_PDF} Routed to reviewers.")
    assert invoice.status == InvoiceStatus.IN_REVIEW and not invoice.document
    assert WAITING not in invoice.queue_reason and not invoice.awaits_document

    attach_in_procore(books, requisition, pages=2)  # Procore gets the PDF after routing
    run = report(books)
    assert found(run) == [("attachments", "procore", "reimport")]
    assert run.differences.get(flow="ap_import").trestle_value == "no document"
    repair(books, run)
    invoice.refresh_from_db()
    assert invoice.document and invoice.document_pages == 2
    assert invoice.status == InvoiceStatus.IN_REVIEW  # reopened, rebuilt and routed again
    assert found(report(books)) == []


def test_import_into_a_queue_is_not_marked_waiting_and_stays_quiet_when_seen_again(books):
    without_document(books, "import")
    books.requisition(files=())
    item = books.run().items.get(entity="ap_invoices")
    invoice = ApInvoice.objects.get()
    assert (item.outcome, item.message, item.fix) == ("created", WITHOUT_PDF, "")
    assert invoice.queue_reason == "" and invoice.status == InvoiceStatus.QUEUED
    assert not invoice.awaits_document  # no "Waiting for a document" badge: it was imported
    again = books.run().items.get(entity="ap_invoices")
    assert (again.outcome, again.message) == (
        "skipped",
        "Unchanged in Procore since the last import.",
    )
    assert ApInvoice.objects.count() == 1


@pytest.fixture
def settings_url(books) -> str:
    ImportWizard.objects.create(office=books.tenant.office, step=5)
    return f"/settings/offices/{books.tenant.office.pk}/integrations/procore/wizard/"


def test_the_settings_page_offers_both_with_what_each_does(books, settings_url, client):
    client.force_login(books.tenant.owner)
    page = client.get(settings_url).content.decode()
    assert 'name="ap_without_document" value="wait" checked' in page
    assert 'name="ap_without_document" value="import"' in page
    assert "waiting for a document" in page.lower()
    assert "Trestle does not make a PDF from the invoice" in page


@pytest.mark.parametrize("value", ["import", "wait"])
def test_the_settings_page_saves_the_choice(books, settings_url, client, value, monkeypatch):
    monkeypatch.setattr(view, "enqueue_run", lambda run_id: None)
    client.force_login(books.tenant.owner)
    form = {"time_mode": "timesheets", "ap_mode": "auto_queue", "ap_without_document": value}
    client.post(settings_url, form)
    options = SyncSettings.objects.get(office=books.tenant.office).options
    assert options["ap_without_document"] == value
    ImportWizard.objects.filter(office=books.tenant.office).update(step=5, completed_at=None)
    page = client.get(settings_url).content.decode()
    assert f'name="ap_without_document" value="{value}" checked' in page


def test_an_unknown_choice_is_refused_and_an_absent_one_keeps_the_offices(tenant):
    choice = {"directions": {}, "flows": {}, "intervals": {}, "time_mode": "timesheets"}
    settings_save(
        office=tenant.office,
        choice=SettingsChoice(**choice, ap_mode="auto_queue", ap_without_document="import"),
        user=tenant.owner,
    )
    with pytest.raises(ValidationError, match="without a PDF does"):
        settings_save(
            office=tenant.office,
            choice=SettingsChoice(**choice, ap_mode="auto_queue", ap_without_document="skip"),
            user=tenant.owner,
        )
    kept = settings_save(
        office=tenant.office, choice=SettingsChoice(**choice, ap_mode="manual"), user=tenant.owner
    )
    assert kept.options["ap_without_document"] == "import"
