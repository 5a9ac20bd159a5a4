"""The invoice entry page's "Procore Import": pick an approved Procore invoice, listed live from
the sandbox, to fill the form (no attachments); saving keys it by the requisition id."""

import re
from decimal import Decimal
from functools import partial

import pytest
from django.core.cache import cache

from apps.ap_invoices.models import ApInvoice
from apps.ap_invoices.prefill import PREFILLS
from apps.offices.models import Office
from apps.procore_sandbox import faults
from apps.procore_sync.ap_import import manual
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.models import ConnectionStatus, ProcoreConnection

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
LIST = "/sync/ap-import/"
NEW = "/ap-invoices/new/"


def value(page: str, name: str) -> str | None:
    """The rendered value of input `name` (None without one)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    found = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return found.group(1) if found else None


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0)) if select else None
    return option.group(1) if option else None


def pick(client, books, requisition):
    return client.post(
        LIST,
        {
            "office": books.tenant.office.pk,
            "project": books.procore_project_id,
            "requisition": requisition.id,
        },
    )


def token_of(response) -> str:
    assert response.status_code == 302 and response.url.startswith(f"{NEW}?prefill="), response
    return response.url.split("prefill=")[1]


def save(client, token: str, **data):
    """Post the prefilled form as a browser does: disabled fields are not sent."""
    form = {
        "prefill": token,
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        **data,
    }
    return client.post(NEW, form)


@pytest.fixture
def clerk(client, books):
    client.force_login(books.tenant.member("ap_clerk"))
    return client


def test_it_lists_approved_and_approved_as_noted_invoices_only(clerk, books):
    books.requisition(number="INV-1")
    books.requisition(status="approved_as_noted", number="INV-2", total_claimed_amount="2500.50")
    books.requisition(status="under_review", number="INV-3")
    response = clerk.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "INV-1" in page and "INV-2" in page and "INV-3" not in page
    assert ">Approved<" in page and ">Approved as noted<" in page
    assert "Rocky Drywall SC" in page and "Oct 1, 2026 &ndash; Oct 31, 2026" in page
    assert "$10,000.00" in page and "$2,500.50" in page
    assert page.count(">Import</button>") == 2


def test_the_entry_page_offers_it_only_for_a_new_invoice_of_a_connected_account(clerk, books):
    page = clerk.get(NEW).content.decode()
    assert 'id="procore-import"' in page and LIST in page
    books.procore.connection.status = ConnectionStatus.NEEDS_RECONNECT
    books.procore.connection.save(update_fields=["status"])
    assert 'id="procore-import"' not in clerk.get(NEW).content.decode()


def test_picking_fills_the_form_without_a_document(clerk, books):
    books.run()  # the commitments come in, linked
    requisition = books.requisition()
    page = clerk.get(f"{NEW}?prefill={token_of(pick(clerk, books, requisition))}").content.decode()
    assert "Filled from Procore invoice INV-1 (Approved), without its attachments" in page
    assert value(page, "invoice_number") == "INV-1"
    assert (value(page, "billing_date"), value(page, "period_start")) == (
        "2026-10-31",
        "2026-10-01",
    )
    assert value(page, "period_end") == "2026-10-31"
    commitment = books.project.commitments.get(number="SC-001")
    assert selected(page, "office") == str(books.tenant.office.pk)
    assert selected(page, "project") == str(books.project.pk)
    assert selected(page, "vendor") == str(books.vendor.pk)
    assert selected(page, "commitment") == str(commitment.pk)
    assert selected(page, "queue") == str(books.queue.pk)  # the office's Procore queue
    assert value(page, "lines-0-description") == "Invoice INV-1 on Rocky Drywall SC"
    assert (value(page, "lines-0-amount"), value(page, "lines-0-retainage")) == (
        "10000.00",
        "1000.00",
    )
    assert value(page, "document") is None and "prefill-note" not in page
    # the office does not allow editing imported invoices: what Procore filled is read-only
    assert re.search(r'<input[^>]*name="invoice_number"[^>]*disabled', page)
    assert not ApInvoice.objects.exists()


def test_a_vendor_or_commitment_not_linked_is_left_empty_with_a_note(clerk, books):
    requisition = books.requisition()  # no AP run yet: the commitment is not in Trestle
    page = clerk.get(f"{NEW}?prefill={token_of(pick(clerk, books, requisition))}").content.decode()
    assert (selected(page, "commitment"), selected(page, "vendor")) == ("", str(books.vendor.pk))
    assert "The commitment Rocky Drywall SC is not linked to a Trestle commitment yet" in page


def test_saving_creates_one_invoice_keyed_by_the_requisition(clerk, books):
    requisition = books.requisition()
    token = token_of(pick(clerk, books, requisition))
    # a forged office or invoice number is ignored: the prefill is kept server-side
    response = save(clerk, token, queue=books.queue.pk, invoice_number="FORGED", office="999")
    assert response.status_code == 302, response.content.decode()[-3000:]
    invoice = ApInvoice.objects.get()
    assert response.url == f"/ap-invoices/{invoice.pk}/"
    assert invoice.procore_requisition_id == requisition.id
    assert (invoice.procore_status, invoice.invoice_number) == ("Approved", "INV-1")
    assert invoice.procore_updated_at is not None and invoice.office == books.tenant.office
    assert (invoice.subtotal, invoice.retainage, invoice.total) == (
        D("10000.00"),
        D("1000.00"),
        D("9000.00"),
    )
    assert not invoice.document and invoice.lines.count() == 1
    assert invoice.created_by == books.tenant.member("ap_clerk")
    # after saving, the office's read-only rule applies as to any imported invoice
    edit = clerk.get(f"/ap-invoices/{invoice.pk}/edit/").content.decode()
    assert "Imported from Procore" in edit


def test_it_is_imported_once_and_a_second_save_is_refused(clerk, books):
    requisition = books.requisition()
    first = token_of(pick(clerk, books, requisition))
    second = token_of(pick(clerk, books, requisition))  # another tab, before the first saves
    assert save(clerk, first).status_code == 302
    invoice = ApInvoice.objects.get()
    page = clerk.get(LIST).content.decode()
    assert f'<a href="/ap-invoices/{invoice.pk}/" class="imported">Already imported</a>' in page
    assert ">Import</button>" not in page
    again = pick(clerk, books, requisition)
    assert again.url == f"{LIST}?office={books.tenant.office.pk}"
    assert "already in as Invoice INV-1" in clerk.get(again.url).content.decode()
    response = save(clerk, second)
    page = response.content.decode()
    assert response.status_code == 400
    assert f"Procore invoice {requisition.id} is already in Trestle as Invoice INV-1" in page
    assert f'Already imported as <a href="/ap-invoices/{invoice.pk}/">' in page
    assert ApInvoice.objects.count() == 1


def test_the_automatic_import_afterwards_keeps_the_same_invoice(clerk, books):
    requisition = books.requisition()
    save(clerk, token_of(pick(clerk, books, requisition)))
    run = books.run(full=True)
    assert ApInvoice.objects.count() == 1
    item = run.items.get(entity="ap_invoices")
    assert (item.outcome, item.object_id) == ("skipped", ApInvoice.objects.get().pk)


def test_an_office_that_allows_edits_lets_the_clerk_change_the_filled_values(clerk, books):
    books.procore.settings.options = {**books.procore.settings.options, "ap_allow_edit": True}
    books.procore.settings.save(update_fields=["options"])
    requisition = books.requisition()
    token = token_of(pick(clerk, books, requisition))
    page = clerk.get(f"{NEW}?prefill={token}").content.decode()
    assert not re.search(r'<input[^>]*name="invoice_number"[^>]*disabled', page)
    data = {
        "project": books.project.pk,
        "vendor": books.vendor.pk,
        "invoice_number": "INV-1 corrected",
        "billing_date": "2026-10-31",
        "lines-0-description": "Drywall",
        "lines-0-amount": "10000.00",
        "lines-0-retainage": "500.00",
        "lines-1-amount": "0.00",  # the blank row, as the browser sends it
        "lines-1-retainage": "0.00",
    }
    assert save(clerk, token, **data).status_code == 302
    invoice = ApInvoice.objects.get()
    assert (invoice.invoice_number, invoice.retainage) == ("INV-1 corrected", D("500.00"))
    assert invoice.procore_requisition_id == requisition.id
    assert invoice.office == books.tenant.office  # the office stays the prefill's


def test_not_connected_says_so_and_imports_nothing(clerk, books):
    requisition = books.requisition()
    books.procore.connection.status = ConnectionStatus.NEEDS_RECONNECT
    books.procore.connection.save(update_fields=["status"])
    page = clerk.get(LIST).content.decode()
    assert "Procore is not connected for any office of this account" in page
    page = clerk.get(LIST, {"office": books.tenant.office.pk}).content.decode()
    assert "Procore is not connected for this office (or needs a reconnect)." in page
    response = pick(clerk, books, requisition)
    assert "Procore is not connected for this office" in clerk.get(response.url).content.decode()
    assert not ApInvoice.objects.exists()


def test_procore_down_shows_the_error_and_imports_nothing(clerk, books, monkeypatch):
    requisition = books.requisition()
    monkeypatch.setattr(manual, "ProcoreClient", partial(ProcoreClient, sleep=lambda s: None))
    faults.set_faults(error_500=1.0)
    response = clerk.get(LIST)
    assert response.status_code == 502
    assert "Procore could not list the invoices" in response.content.decode()
    answer = clerk.get(pick(clerk, books, requisition).url).content.decode()
    assert "Procore could not give the invoice" in answer
    assert not ApInvoice.objects.exists()
    faults.reset_faults()
    cache.clear()  # the client's circuit breaker, opened by the failures, closes
    assert "INV-1" in clerk.get(LIST).content.decode()  # nothing lost: there once Procore is


def test_a_requisition_not_approved_or_of_another_project_cannot_be_picked(clerk, books):
    pending = books.requisition(status="under_review", number="INV-P")
    answer = clerk.get(pick(clerk, books, pending).url).content.decode()
    assert "Procore invoice INV-P is under_review: only approved invoices are imported." in answer
    response = clerk.post(
        LIST, {"office": books.tenant.office.pk, "project": "12345", "requisition": pending.id}
    )
    assert "not mapped to a project of this office" in clerk.get(response.url).content.decode()


def test_an_unknown_or_foreign_prefill_is_refused(clerk, books, outsider, client):
    requisition = books.requisition()
    token = token_of(pick(clerk, books, requisition))
    response = save(clerk, "made-up", invoice_number="X")
    assert response.status_code == 302 and response.url == NEW
    assert not ApInvoice.objects.exists()
    # the same values in the session of a user of another account are not theirs to use
    values = clerk.session[PREFILLS][token]
    client.force_login(outsider.owner)
    session = client.session
    session[PREFILLS] = {token: values}
    session.save()
    assert client.get(f"{NEW}?prefill={token}").url == NEW


def test_another_account_cannot_list_or_pick_our_offices_invoices(client, books, outsider):
    requisition = books.requisition()
    client.force_login(outsider.owner)
    assert client.get(LIST, {"office": books.tenant.office.pk}).status_code == 404
    assert pick(client, books, requisition).status_code == 404
    page = client.get(LIST).content.decode()
    assert "INV-1" not in page and "not connected for any office" in page


@pytest.mark.parametrize("role", ["field", "project_manager"])
def test_users_who_do_not_manage_ap_are_refused(client, books, role):
    client.force_login(books.tenant.member(role))
    assert client.get(LIST).status_code == 403
    assert pick(client, books, books.requisition()).status_code == 403


def test_with_several_connected_offices_the_clerk_picks_the_office(clerk, books):
    books.requisition()
    other = Office.objects.create(account=books.tenant.account, name="Denver")
    ProcoreConnection.objects.create(office=other, company_id=books.procore.company.id + 1)
    page = clerk.get(LIST).content.decode()
    assert "Choose the office to import into." in page and "INV-1" not in page
    assert f'<option value="{other.pk}">Denver</option>' in page
    page = clerk.get(LIST, {"office": books.tenant.office.pk}).content.decode()
    assert "INV-1" in page
    page = clerk.get(LIST, {"office": other.pk}).content.decode()
    assert "No approved invoices in the office's mapped projects." in page
