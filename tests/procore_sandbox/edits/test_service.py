"""The edits a person makes in Procore's UI: each writes through the store, moves updated_at,
refuses what Procore's UI would refuse, and writes nothing when nothing changes."""

import json
import re
from pathlib import Path

import pytest

from apps.procore_sandbox import browse, edits, registry, store
from apps.procore_sandbox.models import SandboxRecord

from .conftest import Demo, first

OAS = Path(__file__).parents[3] / "apps/procore_sandbox/openapi/procore-openapi-subset.json"


def test_renaming_an_employee_moves_updated_at_and_its_person_follows(demo: Demo):
    before = demo.employee.updated_at
    done = edits.employee_update(
        company=demo.company, user_id=demo.employee.id, first_name=" Ana ", employee_id="E-900"
    )
    employee = demo.fresh(demo.employee)
    person = first(demo.company, "people", user_id=demo.employee.id)
    assert (employee.data["first_name"], employee.data["employee_id"]) == ("Ana", "E-900")
    assert employee.updated_at > before
    assert (person.data["first_name"], person.data["employee_id"]) == ("Ana", "E-900")
    assert person.updated_at > before
    assert set(done.changes) == {"first_name", "employee_id"}
    assert done.changes["first_name"][1] == "Ana"


def test_an_employee_edit_sets_email_and_deactivates(demo: Demo):
    edits.employee_update(
        company=demo.company,
        user_id=demo.employee.id,
        last_name="Okafor",
        email_address="ana@example.com",
        is_active=False,
    )
    data = demo.fresh(demo.employee).data
    assert (data["last_name"], data["email_address"], data["is_active"]) == (
        "Okafor",
        "ana@example.com",
        False,
    )


def test_an_edit_that_changes_nothing_writes_nothing(demo: Demo):
    data = demo.employee.data
    done = edits.employee_update(
        company=demo.company,
        user_id=demo.employee.id,
        first_name=data["first_name"],
        is_active=data["is_active"],
    )
    assert done.changes == {}
    assert "nothing changed" in done.summary()
    assert demo.fresh(demo.employee).updated_at == demo.employee.updated_at


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"last_name": "  "}, "Last name can't be blank."),
        ({"email_address": ""}, "Email can't be blank."),
        ({"email_address": "not-an-email"}, "'not-an-email' is not an email address."),
    ],
)
def test_an_employee_edit_refuses_blank_names_and_bad_emails(demo: Demo, changes, message):
    with pytest.raises(edits.EditError, match=re.escape(message)):
        edits.employee_update(company=demo.company, user_id=demo.employee.id, **changes)
    assert demo.fresh(demo.employee).data == demo.employee.data


def test_unknown_records_are_not_found(demo: Demo):
    other = registry.company_create(name="Other Co")
    office_user = first(demo.company, "users", is_employee=False)  # a user, not an employee
    missing = [(demo.company, 42), (other, demo.employee.id), (demo.company, office_user.id)]
    for company, record_id in missing:
        with pytest.raises(edits.NotFound, match="No employee"):
            edits.employee_update(company=company, user_id=record_id, first_name="Ana")
    store.record_delete(demo.vendor)
    with pytest.raises(edits.NotFound, match=f"No vendor {demo.vendor.id} in "):
        edits.vendor_update(company=demo.company, vendor_id=demo.vendor.id, name="Gone")
    with pytest.raises(edits.NotFound):
        edits.project_update(company=demo.company, project_id=demo.vendor.id, name="A vendor")


def test_a_project_edit_renames_renumbers_deactivates_and_rebuilds_its_display_name(demo: Demo):
    before = demo.project.updated_at
    edits.project_update(
        company=demo.company,
        project_id=demo.project.id,
        name="Harbor Tower",
        project_number="0042",
        active=False,
    )
    project = demo.fresh(demo.project)
    assert project.data["display_name"] == "0042 - Harbor Tower"
    assert (project.data["name"], project.data["active"]) == ("Harbor Tower", False)
    assert project.updated_at > before
    with pytest.raises(edits.EditError, match="Name can't be blank"):
        edits.project_update(company=demo.company, project_id=demo.project.id, name="")


def test_a_vendor_edit_renames_and_deactivates(demo: Demo):
    before = demo.vendor.updated_at
    done = edits.vendor_update(
        company=demo.company, vendor_id=demo.vendor.id, name="Steel Co", is_active=False
    )
    vendor = demo.fresh(demo.vendor)
    assert (vendor.data["name"], vendor.data["is_active"]) == ("Steel Co", False)
    assert vendor.updated_at > before
    assert done.summary().startswith(f"Vendor {demo.vendor.id}: name ")
    with pytest.raises(edits.EditError, match="Name can't be blank"):
        edits.vendor_update(company=demo.company, vendor_id=demo.vendor.id, name=" ")


def test_a_change_event_moves_to_a_status_by_name_in_any_case(demo: Demo):
    before = demo.change_event.updated_at
    done = edits.change_event_status_set(
        company=demo.company, change_event_id=demo.change_event.id, status="closed"
    )
    event = demo.fresh(demo.change_event)
    closed = first(demo.company, "change_event_statuses", name="Closed")
    assert (event.data["change_event_status_id"], event.data["status"]) == (closed.id, "closed")
    assert event.updated_at > before
    assert done.changes == {"status": ("Open", "Closed")}
    again = edits.change_event_status_set(
        company=demo.company, change_event_id=demo.change_event.id, status="Closed"
    )
    assert again.changes == {}


def test_an_unknown_change_event_status_is_refused_with_the_company_statuses(demo: Demo):
    with pytest.raises(edits.EditError, match="'Void'; the company has Open, Pending, Closed"):
        edits.change_event_status_set(
            company=demo.company, change_event_id=demo.change_event.id, status="Void"
        )


def test_an_invoice_takes_procore_statuses_as_published_or_as_labelled(demo: Demo):
    before = demo.invoice.updated_at
    done = edits.invoice_status_set(
        company=demo.company, requisition_id=demo.invoice.id, status="Revise and resubmit"
    )
    invoice = demo.fresh(demo.invoice)
    assert invoice.data["status"] == "revise_and_resubmit"
    assert invoice.updated_at > before
    assert done.changes == {"status": ("approved", "revise_and_resubmit")}
    with pytest.raises(edits.EditError, match="No subcontractor invoice status 'paid'"):
        edits.invoice_status_set(
            company=demo.company, requisition_id=demo.invoice.id, status="paid"
        )


def test_invoice_statuses_are_the_ones_the_oas_publishes():
    spec = json.loads(OAS.read_text())
    schema = spec["paths"]["/rest/v1.0/requisitions/{id}"]["patch"]["requestBody"]["content"]
    status = schema["application/json"]["schema"]["properties"]["requisition"]["properties"]
    assert tuple(status["status"]["enum"]) == edits.INVOICE_STATUSES


def test_record_edit_runs_the_kind_s_edit(demo: Demo):
    done = edits.record_edit(
        kind=edits.INVOICE, company=demo.company, record_id=demo.invoice.id, status="draft"
    )
    assert done.kind is edits.INVOICE and demo.fresh(demo.invoice).data["status"] == "draft"


def test_the_delivery_note_names_the_webhook_or_the_schedule():
    assert '"Company Users" webhook' in edits.delivery_note(edits.EMPLOYEE)
    assert '"Change Events" webhook' in edits.delivery_note(edits.CHANGE_EVENT)
    note = edits.delivery_note(edits.INVOICE)
    assert "no webhook" in note and "next scheduled AP import" in note


def test_the_page_lists_are_searchable_and_capped(demo: Demo):
    everyone = browse.records_list(company=demo.company, kind=edits.EMPLOYEE, limit=2)
    assert (len(everyone.rows), everyone.total) == (2, 3)
    last_name = demo.employee.data["last_name"]
    found = browse.records_list(company=demo.company, kind=edits.EMPLOYEE, search=last_name)
    assert demo.employee.id in [row.id for row in found.rows]
    assert all(last_name in row.title for row in found.rows)
    by_id = browse.records_list(company=demo.company, kind=edits.VENDOR, search=str(demo.vendor.id))
    assert [row.id for row in by_id.rows] == [demo.vendor.id]
    events = browse.records_list(company=demo.company, kind=edits.CHANGE_EVENT)
    assert events.rows[0].title == "#1 Extra rebar" and events.rows[0].detail.startswith("Open")
    users = SandboxRecord.objects.filter(company=demo.company, resource="users").count()
    assert everyone.total == 3 < users  # company users that are not employees are not listed
