"""The time entries REST API: CRUD with filters, local dates from timestamps, the status
actions, a crew's day, roles and tenancy."""

from decimal import Decimal

import pytest

from apps.accounts.models import Role
from apps.offices.models import Office
from apps.projects.models import CostCode, Project
from apps.timecards import services
from apps.timecards.models import Employee, EntryStatus, TimeCardEntry

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/time-entries/"


def body(site, **fields) -> dict:
    """An entry's fields; a field given as None is left out."""
    data = {
        "project": site.project.pk,
        "employee": site.ana.pk,
        "date": "2025-01-06",
        "hours": "8",
        "cost_code": site.framing.pk,
        "time_type": site.regular.pk,
        **fields,
    }
    return {k: v for k, v in data.items() if v is not None}


def submitted(tenant, entry) -> TimeCardEntry:
    services.entry_submit(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    entry.refresh_from_db()
    return entry


# CRUD --------------------------------------------------------------------------------------------


def test_it_creates_reads_updates_and_deletes_an_entry(api, site):
    created = api.post(URL, body(site, description="Walls"), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["hours"], data["status"], data["work_classification"]) == (
        "8.00",
        "draft",
        site.carpenter.pk,
    )
    url = f"{URL}{data['id']}/"
    assert api.get(url).json()["description"] == "Walls"
    patched = api.patch(url, {"hours": "7.5", "billable": False}, format="json").json()
    assert (patched["hours"], patched["billable"]) == ("7.50", False)
    assert patched["fingerprint"] != data["fingerprint"]
    assert api.put(url, body(site, hours="6"), format="json").json()["hours"] == "6.00"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert TimeCardEntry.objects.get(pk=data["id"]).deleted_at is not None  # kept for the export


def test_started_at_becomes_the_projects_local_date(api, site):
    late = api.post(
        URL, body(site, date=None, started_at="2025-01-05T23:30:00-07:00"), format="json"
    )
    assert late.status_code == 201, late.json()
    assert late.json()["date"] == "2025-01-05"
    utc = body(site, date=None, started_at="2025-01-06T06:30:00Z", employee=site.ben.pk)
    assert api.post(URL, utc, format="json").json()["date"] == "2025-01-05"


def test_a_day_is_given_once_with_its_offset(api, site):
    naive = api.post(URL, body(site, date=None, started_at="2025-01-05T23:30:00"), format="json")
    assert naive.status_code == 400 and "offset" in str(naive.json()["started_at"])
    both = api.post(URL, body(site, started_at="2025-01-05T23:30:00Z"), format="json")
    assert both.status_code == 400
    assert api.post(URL, body(site, date=None), format="json").json() == {
        "date": ["Give `date` or `started_at`."]
    }


def test_refusals_are_400s_keyed_by_field(api, site, enter):
    assert "hours" in api.post(URL, body(site, hours="24.5"), format="json").json()
    enter("20")
    over = api.post(URL, body(site), format="json")
    assert over.status_code == 400 and "would have 28.00 hours" in over.json()["hours"][0]
    north = Office.objects.create(account=site.project.office.account, name="North")
    code = CostCode.objects.create(office=north, code="1", name="N", division_code="1")
    other = api.post(URL, body(site, cost_code=code.pk, hours="1"), format="json")
    assert other.status_code == 400 and "another office" in other.json()["cost_code"][0]


def test_the_list_filters_by_project_employee_crew_status_and_dates(api, site, enter, tenant):
    ana = enter("8")
    ben = submitted(tenant, enter("8", employee=site.ben, crew=site.crew))
    later = enter("8", employee=site.cal, day=MONDAY.replace(day=8))
    other = Project.objects.create(office=tenant.office, number="300", name="Annex")
    services.entry_create(
        project=other, employee=site.cal, date=MONDAY, hours=D("1"), user=tenant.owner
    )

    def ids(query: str) -> list[int]:
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert len(ids("")) == 4
    assert ids(f"project={site.project.pk}&employee={site.ana.pk}") == [ana.pk]
    assert ids(f"crew={site.crew.pk}") == ids("status=submitted") == [ben.pk]
    assert ids("date_from=2025-01-07&date_to=2025-01-08") == [later.pk]
    assert api.get(f"{URL}?status=lost").status_code == 400


# Actions -----------------------------------------------------------------------------------------


def test_submit_approve_and_reject_take_lists_of_ids(api, site, enter):
    first, second = enter("4"), enter("4", employee=site.ben)
    ids = {"ids": [first.pk, second.pk]}
    response = api.post(f"{URL}submit/", ids, format="json")
    assert response.status_code == 200
    assert {row["status"] for row in response.json()} == {"submitted"}
    approved = api.post(f"{URL}approve/", {"ids": [first.pk]}, format="json").json()
    assert approved[0]["status"] == "approved" and approved[0]["decided_by"] is not None
    no_reason = api.post(f"{URL}reject/", {"ids": [second.pk]}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    rejected = api.post(
        f"{URL}reject/", {"ids": [second.pk], "reason": "Wrong code"}, format="json"
    ).json()
    assert (rejected[0]["status"], rejected[0]["rejection_reason"]) == ("rejected", "Wrong code")
    again = api.post(f"{URL}approve/", ids, format="json")
    assert again.status_code == 400 and "Only submitted" in again.json()["non_field_errors"][0]


def test_a_crew_day_is_entered_in_one_call(api, site):
    response = api.post(
        f"{URL}crew-day/",
        {
            "crew": site.crew.pk,
            "project": site.project.pk,
            "date": "2025-01-06",
            "hours": "8",
            "cost_code": site.framing.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(row["employee"] for row in response.json()) == sorted(
        [site.ana.pk, site.ben.pk, site.cal.pk]
    )
    per_member = api.post(
        f"{URL}crew-day/",
        {
            "crew": site.crew.pk,
            "project": site.project.pk,
            "started_at": "2025-01-07T23:30:00-07:00",
            "members": [{"employee": site.ana.pk, "hours": "2", "time_type": site.overtime.pk}],
        },
        format="json",
    )
    assert per_member.status_code == 201, per_member.json()
    [row] = per_member.json()
    assert (row["date"], row["hours"], row["time_type"], row["crew"]) == (
        "2025-01-07",
        "2.00",
        site.overtime.pk,
        site.crew.pk,
    )
    refused = api.post(
        f"{URL}crew-day/",
        {"crew": site.crew.pk, "project": site.project.pk, "date": "2025-01-06", "hours": "17"},
        format="json",
    )
    assert refused.status_code == 400
    assert TimeCardEntry.objects.count() == 4


# Roles and tenancy -------------------------------------------------------------------------------


def test_a_field_user_enters_and_submits_but_cannot_approve(api_as, site):
    field = api_as(Role.FIELD)
    entry = field.post(URL, body(site), format="json").json()
    assert field.post(f"{URL}submit/", {"ids": [entry["id"]]}, format="json").status_code == 200
    refused = field.post(f"{URL}approve/", {"ids": [entry["id"]]}, format="json")
    assert refused.status_code == 403 and "approve" in refused.json()["detail"]
    assert (
        field.post(
            f"{URL}reject/", {"ids": [entry["id"]], "reason": "x"}, format="json"
        ).status_code
        == 403
    )
    patched = field.patch(f"{URL}{entry['id']}/", {"hours": "1"}, format="json")
    assert patched.status_code == 400 and "approver" in patched.json()["non_field_errors"][0]
    assert TimeCardEntry.objects.get().status == EntryStatus.SUBMITTED


def test_an_approver_edits_an_approved_entry_which_goes_back_to_submitted(api, site, enter, tenant):
    entry = submitted(tenant, enter())
    services.entry_approve(account=tenant.account, entry_ids=[entry.pk], user=tenant.owner)
    data = api.patch(f"{URL}{entry.pk}/", {"hours": "6"}, format="json").json()
    assert (data["status"], data["hours"], data["decided_by"]) == ("submitted", "6.00", None)


@pytest.mark.parametrize("role", [Role.AP_CLERK, Role.CUSTOMER])
def test_other_roles_see_no_time(api_as, role):
    client = api_as(role)
    assert client.get(URL).status_code == 403
    assert client.get("/api/v1/production-quantities/").status_code == 403


def test_another_accounts_entries_and_records_are_not_found(api, site, outsider):
    theirs_project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    theirs_person = Employee.objects.create(office=outsider.office, last_name="Theirs")
    theirs = TimeCardEntry.objects.create(
        project=theirs_project, employee=theirs_person, date=MONDAY, hours=8
    )
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.patch(f"{URL}{theirs.pk}/", {"hours": "1"}, format="json").status_code == 404
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert api.post(f"{URL}submit/", {"ids": [theirs.pk]}, format="json").status_code == 400
    assert api.get(URL).json()["results"] == []
    with_their_person = api.post(URL, body(site, employee=theirs_person.pk), format="json")
    assert with_their_person.status_code == 400 and "employee" in with_their_person.json()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.hours, theirs.deleted_at) == ("draft", D("8.00"), None)


def test_the_schema_documents_the_time_endpoints(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/time-entries/",
        "/api/v1/time-entries/{id}/",
        "/api/v1/time-entries/submit/",
        "/api/v1/time-entries/approve/",
        "/api/v1/time-entries/reject/",
        "/api/v1/time-entries/crew-day/",
        "/api/v1/production-quantities/",
        "/api/v1/production-quantities/{id}/",
    ):
        assert path in paths


def test_the_list_pages_by_cursor_in_date_order_without_gaps_or_repeats(api, site, outsider):
    from datetime import timedelta

    people = [site.ana, site.ben, site.cal]
    entries = TimeCardEntry.objects.bulk_create(  # 30 a day: only the id orders those
        TimeCardEntry(
            project=site.project, employee=people[n % 3], hours=1, date=MONDAY + timedelta(n % 4)
        )
        for n in range(120)
    )
    seen, url, previous = [], f"{URL}?project={site.project.pk}", None
    while url:
        page = api.get(url).json()
        assert "count" not in page and (page["previous"] is None) == (not seen)
        seen.append([row["id"] for row in page["results"]])
        url, previous = page["next"], url
        assert url is None or f"project={site.project.pk}" in url
    expected = [e.pk for e in sorted(entries, key=lambda e: (e.date, e.pk))]
    assert [len(ids) for ids in seen] == [50, 50, 20]
    assert [pk for ids in seen for pk in ids] == expected
    back = api.get(api.get(previous).json()["previous"]).json()  # from the last page
    assert [row["id"] for row in back["results"]] == seen[1]
    from apps.accounts.services import api_token_create

    _, key = api_token_create(account=outsider.account, user=outsider.owner, name="theirs")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(previous).json()["results"] == []


def test_a_cursor_the_list_did_not_make_is_a_400_naming_it(api, site):
    TimeCardEntry.objects.create(project=site.project, employee=site.ana, hours=1, date=MONDAY)
    for cursor in ("not-a-cursor", "WyJhIixbXV0", "x" * 501):  # garbage, ["a",[]], too long
        response = api.get(URL, {"cursor": cursor})
        assert response.status_code == 400
        assert "cursor" in response.json()
    assert api.get(URL, {"cursor": ""}).status_code == 200
