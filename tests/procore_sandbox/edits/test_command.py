"""`manage.py procore_sandbox_edit <kind> <id> ...`: each kind, and clear errors."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.procore_sandbox import registry

from .conftest import Demo


def edit(*args: str) -> str:
    out = io.StringIO()
    call_command("procore_sandbox_edit", *args, stdout=out)
    return out.getvalue()


def test_it_renames_an_employee_and_says_how_trestle_hears_of_it(demo: Demo):
    out = edit("employee", str(demo.employee.id), "--first-name", "Ana", "--employee-id", "E-9")
    data = demo.fresh(demo.employee).data
    assert (data["first_name"], data["employee_id"]) == ("Ana", "E-9")
    assert f"Employee {demo.employee.id}: first_name" in out
    assert '"Company Users" webhook' in out


def test_it_edits_a_project(demo: Demo):
    edit("project", str(demo.project.id), "--name", "Harbor Tower", "--number", "42", "--no-active")
    data = demo.fresh(demo.project).data
    assert (data["name"], data["project_number"], data["active"]) == ("Harbor Tower", "42", False)


def test_it_edits_a_vendor_in_the_company_given(demo: Demo):
    company = f"--company={demo.company.id}"
    edit("vendor", str(demo.vendor.id), company, "--name", "Steel Co", "--abbreviated-name", "STL")
    data = demo.fresh(demo.vendor).data
    assert (data["name"], data["abbreviated_name"]) == ("Steel Co", "STL")


def test_it_sets_a_change_event_status(demo: Demo):
    out = edit("change-event", str(demo.change_event.id), "--status", "Pending")
    assert "status 'Open' → 'Pending'" in out
    assert '"Change Events" webhook' in out


def test_it_sets_an_invoice_status_and_says_no_webhook_comes(demo: Demo):
    out = edit("invoice", str(demo.invoice.id), "--status", "under_review")
    assert demo.fresh(demo.invoice).data["status"] == "under_review"
    assert "no webhook" in out


def test_an_edit_that_changes_nothing_says_so(demo: Demo):
    out = edit("invoice", str(demo.invoice.id), "--status", "approved")
    assert out.strip() == f"Subcontractor invoice {demo.invoice.id}: nothing changed."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("employee", "42", "--first-name", "Ana"), "No Procore record 42."),
        (("employee", "{employee}"), "Nothing to change: give --first-name, --last-name"),
        (("employee", "{employee}", "--last-name", " "), "Last name can't be blank."),
        (("project", "{employee}", "--name", "X"), "No project {employee} in Sandbox Builders"),
        (("vendor", "{vendor}", "--name", ""), "Name can't be blank."),
        (("change-event", "{event}", "--status", "Void"), "No change event status 'Void'"),
        (("invoice", "{invoice}", "--status", "paid"), "No subcontractor invoice status 'paid'"),
        (("vendor", "{vendor}", "--company=42", "--name", "X"), "No sandbox company 42."),
    ],
)
def test_it_refuses_with_a_clear_error(demo: Demo, args, message):
    ids = {"employee": demo.employee.id, "vendor": demo.vendor.id}
    ids |= {"event": demo.change_event.id, "invoice": demo.invoice.id}
    with pytest.raises(CommandError) as refused:
        edit(*(arg.format(**ids) for arg in args))
    assert str(refused.value).startswith(message.format(**ids))


def test_a_record_of_another_company_is_not_found_there(demo: Demo):
    other = registry.company_create(name="Other Co")
    with pytest.raises(CommandError, match=f"No vendor {demo.vendor.id} in Other Co"):
        edit("vendor", str(demo.vendor.id), f"--company={other.id}", "--name", "Steel Co")
    assert demo.fresh(demo.vendor).data == demo.vendor.data
