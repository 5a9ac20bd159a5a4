"""The sandbox's "change it in Procore" page: no Trestle login, CSRF on POST, escaped, 404s."""

import pytest
from django.test import Client

from apps.procore_sandbox import edits, registry
from apps.procore_sync.models import ProcoreConnection

from .conftest import Demo

BASE = "/procore-sandbox/change"


def page(client: Client, path: str, **query: str) -> str:
    response = client.get(f"{BASE}/{path}", query)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_companies(client, demo: Demo):
    assert f'href="{BASE}/{demo.company.id}/"' in page(client, "")


@pytest.mark.parametrize("kind", list(edits.KINDS))
def test_it_lists_each_kind_with_an_edit_link(client, demo: Demo, kind: str):
    record = {
        "employee": demo.employee,
        "project": demo.project,
        "vendor": demo.vendor,
        "change-event": demo.change_event,
        "invoice": demo.invoice,
    }[kind]
    html = page(client, f"{demo.company.id}/{kind}/")
    assert f'href="{BASE}/{demo.company.id}/{kind}/{record.id}/"' in html


def test_the_company_page_opens_on_employees_and_a_search_finds_one(client, demo: Demo):
    assert "3 found." in page(client, f"{demo.company.id}/")
    email = demo.employee.data["email_address"]
    html = page(client, f"{demo.company.id}/employee/", q=email)
    assert "1 found." in html and email in html


def test_editing_an_employee_saves_and_says_what_changed_and_how_it_reaches_trestle(
    client, demo: Demo
):
    data = demo.employee.data
    form = {"first_name": "Ana", "last_name": data["last_name"]}
    form |= {"email_address": data["email_address"], "employee_id": data["employee_id"]}
    form |= {"is_active": "on"} if data["is_active"] else {}
    path = f"{BASE}/{demo.company.id}/employee/{demo.employee.id}/"
    response = client.post(path, form, follow=True)
    html = response.content.decode()
    listing = f"{BASE}/{demo.company.id}/employee/?q={demo.employee.id}"
    assert response.redirect_chain == [(listing, 302)]
    assert demo.fresh(demo.employee).data["first_name"] == "Ana"
    assert f"Employee {demo.employee.id}: first_name" in html and "&#x27;Ana&#x27;" in html
    assert "&quot;Company Users&quot; webhook" in html


def test_an_invoice_status_is_picked_from_procore_statuses(client, demo: Demo):
    path = f"{BASE}/{demo.company.id}/invoice/{demo.invoice.id}/"
    assert 'value="approved_as_noted"' in page(client, path.removeprefix(f"{BASE}/"))
    html = client.post(path, {"status": "under_review"}, follow=True).content.decode()
    assert demo.fresh(demo.invoice).data["status"] == "under_review"
    assert "Procore publishes no webhook for subcontractor invoices" in html


def test_a_change_event_status_is_picked_from_the_company_statuses(client, demo: Demo):
    path = f"{BASE}/{demo.company.id}/change-event/{demo.change_event.id}/"
    assert '<option value="Open" selected>' in page(client, path.removeprefix(f"{BASE}/"))
    client.post(path, {"status": "Closed"})
    assert demo.fresh(demo.change_event).data["status"] == "closed"


def test_a_validation_error_is_shown_and_nothing_saved(client, demo: Demo):
    path = f"{BASE}/{demo.company.id}/project/{demo.project.id}/"
    response = client.post(path, {"name": "   ", "project_number": "9", "active": "on"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert demo.fresh(demo.project).data == demo.project.data


def test_a_post_without_the_csrf_token_is_refused(demo: Demo):
    path = f"{BASE}/{demo.company.id}/vendor/{demo.vendor.id}/"
    response = Client(enforce_csrf_checks=True).post(path, {"name": "Forged"})
    assert response.status_code == 403
    assert demo.fresh(demo.vendor).data == demo.vendor.data


def test_names_are_escaped(client, demo: Demo):
    edits.vendor_update(company=demo.company, vendor_id=demo.vendor.id, name="<b>Steel</b>")
    html = page(client, f"{demo.company.id}/vendor/")
    assert "&lt;b&gt;Steel&lt;/b&gt;" in html and "<b>Steel</b>" not in html


def test_unknown_or_foreign_records_kinds_and_companies_are_404(client, demo: Demo):
    other = registry.company_create(name="Other Co")
    for path in (
        f"{demo.company.id}/employee/42/",
        f"{other.id}/vendor/{demo.vendor.id}/",  # the vendor of another company
        f"{demo.company.id}/employee/{demo.vendor.id}/",  # a vendor is not an employee
        f"{demo.company.id}/timecards/",
        "42/employee/",
    ):
        assert client.get(f"{BASE}/{path}").status_code == 404, path
    assert (
        client.post(f"{BASE}/{other.id}/vendor/{demo.vendor.id}/", {"name": "X"}).status_code == 404
    )


def test_trestle_s_integrations_page_links_to_it_for_a_sandbox_company(owner_client, tenant, demo):
    tenant.office.procore_enabled = True
    tenant.office.save()
    ProcoreConnection.objects.create(
        office=tenant.office, company_id=demo.company.id, company_name=demo.company.name
    )
    html = owner_client.get(f"/settings/offices/{tenant.office.pk}/integrations/").content.decode()
    assert f'href="{BASE}/{demo.company.id}/"' in html
