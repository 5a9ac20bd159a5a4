"""Time and daily-log fidelity: hours per entry, closed days, crews, man-hours, new timesheets."""

import pytest

from apps.procore_sandbox import store
from apps.procore_sandbox.models import SandboxRecord

DAY = "2026-11-20"


@pytest.fixture
def entries_path(sandbox):
    return f"/rest/v1.0/projects/{sandbox.project.id}/timecard_entries"


def test_more_than_24_hours_in_an_entry_is_a_422(sandbox):
    path = f"/rest/v1.1/projects/{sandbox.project.id}/project_timecard_entries/bulk_create"
    entry = {"project_id": sandbox.project.id, "date": DAY, "hours": "24.5", "origin_id": "x1"}
    refused = sandbox.call("POST", path, {"timecard_entries": [entry]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"hours": ["must be a number of hours from 0 to 24"]}
    assert not SandboxRecord.objects.filter(resource="timecard_entries").exists()


def test_an_approved_timesheet_closes_its_day_for_timecard_writes(sandbox, entries_path):
    open_entry = sandbox.call("POST", entries_path, {"timecard_entry": {"date": DAY, "hours": 8}})
    sandbox.add("timesheets", date=DAY, status="approved")
    created = sandbox.call("POST", entries_path, {"timecard_entry": {"date": DAY, "hours": 8}})
    entry_id = open_entry.json()["id"]
    changed = sandbox.call(
        "PATCH", f"{entries_path}/{entry_id}", {"timecard_entry": {"hours": "9"}}
    )
    deleted = sandbox.call("DELETE", f"{entries_path}/{entry_id}")
    other_day = sandbox.call(
        "POST", entries_path, {"timecard_entry": {"date": "2026-11-21", "hours": 8}}
    )
    assert open_entry.status_code == 201 and other_day.status_code == 201
    assert created.status_code == changed.status_code == deleted.status_code == 422
    assert created.json()["errors"] == {"date": [f"{DAY} is in an approved timesheet"]}


def test_a_crew_of_another_project_or_nowhere_is_a_422(sandbox):
    other = sandbox.add("projects", project=False, name="Other")
    crew = store.record_create(
        company=sandbox.company, resource="crews", project_id=other.id, data={"name": "Crew 9"}
    )
    company_entries = f"/rest/v1.0/companies/{sandbox.company.id}/timecard_entries"
    entry = {"date": DAY, "hours": 8, "crew_id": crew.id}  # crew_id: the company endpoint's
    refused = sandbox.call(
        "POST", company_entries, {"project_id": sandbox.project.id, "timecard_entry": entry}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"crew_id": ["is invalid"]}


def test_a_manpower_log_answers_its_man_hours(sandbox):
    path = f"/rest/v1.0/projects/{sandbox.project.id}/manpower_logs"
    log = sandbox.call(
        "POST", path, {"manpower_log": {"date": DAY, "num_workers": 3, "num_hours": "7.5"}}
    ).json()
    changed = sandbox.call("PATCH", f"{path}/{log['id']}", {"manpower_log": {"num_workers": 2}})
    assert log["man_hours"] == "22.5"
    assert changed.json()["man_hours"] == "15.0"


def test_a_new_timesheet_is_pending_and_numbered_per_day(sandbox):
    path = f"/rest/v1.0/projects/{sandbox.project.id}/timesheets"
    first = sandbox.call("POST", path, {"timesheet": {"date": DAY}}).json()
    second = sandbox.call("POST", path, {"timesheet": {"date": DAY}}).json()
    assert (first["status"], first["name"], second["name"]) == (
        "pending",
        f"{DAY} - 01",
        f"{DAY} - 02",
    )


def test_quantity_logs_take_whole_quantities(sandbox):
    path = f"/rest/v1.0/projects/{sandbox.project.id}/quantity_logs"
    whole = sandbox.call(
        "POST", path, {"quantity_log": {"date": DAY, "quantity": 12, "unit": "LF"}}
    )
    part = sandbox.call(
        "POST", path, {"quantity_log": {"date": DAY, "quantity": 1.5, "unit": "CY"}}
    )
    assert whole.status_code == 201 and part.status_code == 422
