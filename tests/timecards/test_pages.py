"""The time card pages: list and CSV, weekly timesheet, crew day, approval queue, one entry."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from freezegun import freeze_time

from apps.accounts.models import Role
from apps.projects.models import Project, SubJob
from apps.timecards import services
from apps.timecards.models import Employee, EntryStatus, TimeCardEntry
from tests.csv_reading import ESCAPED, FORMULAS, PLAIN, streamed_rows

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
D = Decimal
WEEK = f"?week={MONDAY.isoformat()}"


def submit(tenant, *entries) -> None:
    services.entry_submit(
        account=tenant.account, entry_ids=[e.pk for e in entries], user=tenant.owner
    )


# The list and its CSV ----------------------------------------------------------------------------


def test_the_navigation_links_to_timecards(client_as):
    page = client_as(Role.FIELD).get("/").content.decode()
    assert 'href="/timecards/"' in page


def test_the_list_filters_entries_and_has_a_procore_column(client_as, site, enter):
    ana, ben = enter("8"), enter("3", employee=site.ben, cost_code=site.drywall)
    client = client_as(Role.FIELD)
    page = client.get("/timecards/").content.decode()
    assert f'data-entry="{ana.pk}"' in page and f'data-entry="{ben.pk}"' in page
    assert "<th>Procore</th>" in page and 'class="procore-state"' in page
    filtered = client.get(f"/timecards/?employee={site.ben.pk}").content.decode()
    assert f'data-entry="{ben.pk}"' in filtered and f'data-entry="{ana.pk}"' not in filtered
    assert "Approve selected" not in filtered  # a field user does not approve


def test_the_csv_export_streams_the_filtered_entries(owner_client, site, enter, tenant):
    enter("8", description='=HYPERLINK("http://x")')
    enter("2.5", employee=site.ben, sub_job=site.sub_job)
    services.entry_delete(entry=enter("1", employee=site.cal), user=tenant.owner)
    response = owner_client.get(f"/timecards/export.csv?date_from={MONDAY.isoformat()}")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["Employee"], r["Hours"], r["Status"]) for r in rows] == [
        ("Ana Alvarez", "8.00", "Draft"),
        ("Ben Baker", "2.50", "Draft"),
    ]  # the deleted entry is not exported
    assert rows[0]["Description"].startswith("'=")  # a spreadsheet never runs it
    assert (rows[1]["Sub-job"], rows[1]["Project number"], rows[1]["Date"]) == (
        "200.005",
        "200",
        "2025-01-06",
    )
    only_ben = owner_client.get(f"/timecards/export.csv?employee={site.ben.pk}")
    assert b"Ana Alvarez" not in b"".join(only_ben.streaming_content)


def test_the_csv_export_writes_formulas_typed_by_users_as_text(owner_client, enter):
    for description in [*FORMULAS, PLAIN]:
        enter("1", description=description)
    rows = streamed_rows(owner_client.get("/timecards/export.csv"))
    assert [r["Description"] for r in rows] == [*ESCAPED, PLAIN]


# The weekly timesheet ----------------------------------------------------------------------------


def test_the_timesheet_shows_a_week_with_totals_per_day_and_week(client_as, site, enter, tenant):
    enter("8")
    enter("2", day=MONDAY + timedelta(days=1), time_type=site.overtime)
    submit(tenant, enter("6", day=MONDAY + timedelta(days=2)))
    enter("9", day=MONDAY + timedelta(days=7))  # next week
    response = client_as(Role.FIELD).get(f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}")
    page = response.content.decode()
    week = response.context["week"]
    assert [str(t) for t in week.day_totals] == [
        "8.00",
        "2.00",
        "6.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
    ]
    assert week.total == D("16.00") and len(week.rows) == 2
    assert 'class="num week-total">16.00<' in page
    assert "Overtime" in page and "submitted" in page
    assert f'name="h-{week.rows[0].key}-2025-01-06" value="8.00"' in page
    assert f'name="h-{week.rows[0].key}-2025-01-08"' not in page  # submitted: read-only
    assert "2025-01-13" in page  # next week's link


def test_the_timesheet_opens_on_this_week_where_the_employees_office_is(client_as, site):
    site.ana.office.time_zone = "America/Denver"
    site.ana.office.save()
    with freeze_time("2026-12-07 02:00:00"):  # Monday in UTC, still Sunday evening in Denver
        response = client_as(Role.FIELD).get(f"/timecards/timesheet/?employee={site.ana.pk}")
    assert response.context["monday"] == date(2026, 11, 30)


def test_the_timesheet_saves_typed_hours_as_drafts(client_as, site, enter):
    entry = enter("8")
    client = client_as(Role.FIELD)
    week = client.get(f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}").context["week"]
    key = week.rows[0].key
    response = client.post(
        f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}",
        {
            f"h-{key}-2025-01-06": "7.5",
            f"h-{key}-2025-01-07": "8",
            "new-project": site.project.pk,
            "new-cost_code": site.drywall.pk,
            "new-h-2025-01-08": "4",
        },
    )
    assert response.status_code == 302
    rows = TimeCardEntry.objects.order_by("date")
    assert [(e.date.day, e.hours, e.cost_code) for e in rows] == [
        (6, D("7.50"), site.framing),
        (7, D("8.00"), site.framing),
        (8, D("4.00"), site.drywall),
    ]
    assert rows[0].pk == entry.pk
    client.post(f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}", {f"h-{key}-2025-01-07": ""})
    assert TimeCardEntry.objects.filter(deleted_at__isnull=True).count() == 2


def test_the_timesheet_refuses_a_day_over_24_hours_and_keeps_what_was_typed(client_as, site, enter):
    enter("20", cost_code=site.drywall)
    response = client_as(Role.FIELD).post(
        f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}",
        {"new-project": site.project.pk, "new-h-2025-01-06": "5", "new-h-2025-01-07": "3"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "would have 25.00 hours" in page and 'value="5"' in page
    assert TimeCardEntry.objects.count() == 1  # all or none


def test_submit_week_sends_the_drafts_to_approval(client_as, site, enter):
    entries = [enter("8"), enter("8", day=MONDAY + timedelta(days=1))]
    client = client_as(Role.FIELD)
    page = client.get(f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}").content.decode()
    assert "Submit week (2 entries)" in page
    client.post("/timecards/submit/", {"entries": [e.pk for e in entries]})
    assert set(TimeCardEntry.objects.values_list("status", flat=True)) == {"submitted"}


# A crew's day ------------------------------------------------------------------------------------


def test_the_crew_page_lists_the_members_on_the_projects_today(client_as, site):
    page = client_as(Role.FIELD).get(f"/timecards/crew/?crew={site.crew.pk}").content.decode()
    assert "Ana Alvarez" in page and "Cal Cruz" in page and "Enter crew day" in page
    assert f'name="project" value="{site.project.pk}"' in page  # the crew's project


def test_a_foreman_enters_a_crew_day_with_hours_per_member(client_as, site):
    client = client_as(Role.FIELD)
    data = {
        "crew": site.crew.pk,
        "project": site.project.pk,
        "date": "2025-01-06",
        "hours": "8",
        "cost_code": site.framing.pk,
        "time_type": site.regular.pk,
        "billable": "on",
        f"m-{site.ana.pk}-on": "1",
        f"m-{site.ben.pk}-on": "1",
        f"m-{site.ben.pk}-hours": "10",
        f"m-{site.ben.pk}-time_type": site.overtime.pk,
    }
    response = client.post("/timecards/crew/", data)
    assert response.status_code == 302
    assert f"crew={site.crew.pk}" in response["Location"]
    entries = TimeCardEntry.objects.order_by("employee__last_name")
    assert [(e.employee, e.hours, e.time_type, e.crew) for e in entries] == [
        (site.ana, D("8.00"), site.regular, site.crew),
        (site.ben, D("10.00"), site.overtime, site.crew),
    ]  # Cal was not ticked
    page = client.get(response["Location"]).content.decode()
    assert "Submit selected" in page and "Entered 2 entries for Framers" in page


def test_a_refused_crew_day_enters_nobody_and_says_why(client_as, site, enter):
    enter("20", employee=site.ben)
    data = {"crew": site.crew.pk, "project": site.project.pk, "date": "2025-01-06", "hours": "8"}
    data |= {f"m-{m.pk}-on": "1" for m in (site.ana, site.ben)}
    response = client_as(Role.FIELD).post("/timecards/crew/", data)
    assert response.status_code == 400
    assert "Ben Baker" in response.content.decode()
    assert TimeCardEntry.objects.count() == 1


# The approval queue ------------------------------------------------------------------------------


def test_the_queue_shows_submitted_entries_and_approves_the_ticked_ones(
    client_as, site, enter, tenant
):
    draft, first, second = enter("1"), enter("8", employee=site.ben), enter("8", employee=site.cal)
    submit(tenant, first, second)
    client = client_as(Role.PROJECT_MANAGER)
    page = client.get("/timecards/approvals/").content.decode()
    assert f'data-entry="{first.pk}"' in page and f'data-entry="{draft.pk}"' not in page
    assert "<th>Procore</th>" in page
    response = client.post(
        "/timecards/approve/", {"entries": [first.pk], "next": "/timecards/approvals/"}
    )
    assert response["Location"] == "/timecards/approvals/"
    first.refresh_from_db()
    assert (first.status, first.decided_by) == ("approved", tenant.member(Role.PROJECT_MANAGER))
    crew_only = client.get(f"/timecards/approvals/?employee={site.cal.pk}").content.decode()
    assert f'data-entry="{second.pk}"' in crew_only and f'data-entry="{first.pk}"' not in crew_only


def test_the_queue_rejects_with_a_reason(client_as, site, enter, tenant):
    entry = enter()
    submit(tenant, entry)
    client = client_as(Role.PROJECT_MANAGER)
    client.post("/timecards/reject/", {"entries": [entry.pk], "reason": ""})
    assert TimeCardEntry.objects.get().status == EntryStatus.SUBMITTED
    client.post("/timecards/reject/", {"entries": [entry.pk], "reason": "Lunch not taken off"})
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason) == ("rejected", "Lunch not taken off")


def test_a_field_user_cannot_approve(client_as, site, enter, tenant):
    entry = enter()
    submit(tenant, entry)
    client = client_as(Role.FIELD)
    assert client.get("/timecards/approvals/").status_code == 403
    assert client.post("/timecards/approve/", {"entries": [entry.pk]}).status_code == 403
    assert TimeCardEntry.objects.get().status == EntryStatus.SUBMITTED


# One entry ---------------------------------------------------------------------------------------


def test_an_entry_is_created_and_edited_from_its_form(client_as, site, enter):
    client = client_as(Role.FIELD)
    response = client.post(
        "/timecards/new/",
        {
            "project": site.project.pk,
            "employee": site.ana.pk,
            "date": "2025-01-06",
            "hours": "6.25",
            "cost_code": site.framing.pk,
            "billable": "on",
        },
    )
    assert response.status_code == 302
    entry = TimeCardEntry.objects.get()
    assert (entry.hours, entry.work_classification) == (D("6.25"), site.carpenter)
    form = client.get(f"/timecards/{entry.pk}/edit/").content.decode()
    assert 'value="6.25"' in form
    client.post(
        f"/timecards/{entry.pk}/edit/",
        {"employee": site.ana.pk, "date": "2025-01-06", "hours": "7", "billable": ""},
    )
    entry.refresh_from_db()
    assert (entry.hours, entry.billable, entry.project) == (D("7.00"), False, site.project)


def test_a_field_user_cannot_change_a_submitted_entry(client_as, site, enter, tenant):
    entry = enter()
    submit(tenant, entry)
    response = client_as(Role.FIELD).post(
        f"/timecards/{entry.pk}/edit/",
        {"employee": site.ana.pk, "date": "2025-01-06", "hours": "1"},
    )
    assert response.status_code == 400
    assert "only be changed by an approver" in response.content.decode()


def test_deleting_from_the_page_is_soft(client_as, enter):
    entry = enter()
    client_as(Role.FIELD).post(f"/timecards/{entry.pk}/delete/")
    entry.refresh_from_db()
    assert entry.deleted_at is not None
    assert client_as(Role.FIELD).get(f"/timecards/{entry.pk}/edit/").status_code == 404


def test_another_accounts_entry_is_a_404(client_as, outsider, site):
    from apps.projects.models import Project
    from apps.timecards.models import Employee

    theirs = TimeCardEntry.objects.create(
        project=Project.objects.create(office=outsider.office, number="1", name="Theirs"),
        employee=Employee.objects.create(office=outsider.office, last_name="Theirs"),
        date=MONDAY,
        hours=8,
    )
    client = client_as(Role.PROJECT_MANAGER)
    assert client.get(f"/timecards/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/timecards/{theirs.pk}/delete/").status_code == 404
    client.post("/timecards/approve/", {"entries": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == "draft" and theirs.deleted_at is None


def test_the_unsafe_next_is_ignored(client_as, enter):
    entry = enter()
    response = client_as(Role.FIELD).post(
        "/timecards/submit/", {"entries": [entry.pk], "next": "https://evil.test/"}
    )
    assert response["Location"] == "/timecards/"


def test_the_pages_take_the_same_queries_for_many_entries(
    client_as, site, enter, tenant, django_assert_max_num_queries
):
    people = [site.ana, site.ben, site.cal]
    entries = [
        enter(
            "1",
            employee=people[n % 3],
            day=MONDAY - timedelta(days=n // 3),
            crew=site.crew,
            sub_job=site.sub_job,
        )
        for n in range(60)
    ]
    submit(tenant, *entries[:40])
    client = client_as(Role.PROJECT_MANAGER)
    for url in ("/timecards/", "/timecards/approvals/", f"/timecards/timesheet/{WEEK}"):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        response = client.get("/timecards/export.csv")
        assert len(b"".join(response.streaming_content).splitlines()) == 61


@pytest.mark.parametrize("path", ["/timecards/", "/timecards/approvals/"])
def test_a_bad_date_filter_is_named_and_lists_nothing(owner_client, enter, path):
    enter("8")
    response = owner_client.get(path, {"date_from": "2025-02-30", "status": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "These filters are not valid, so no entries are listed: From: Enter a valid date." in page
    )
    assert "data-entry=" not in page and "Select entry" not in page


def test_the_csv_export_refuses_a_bad_date_filter(owner_client, enter):
    enter("8")
    response = owner_client.get("/timecards/export.csv", {"date_to": "yesterday"})
    assert response.status_code == 400
    assert response.content.decode() == "To: Enter a valid date."


# Keyset pages ------------------------------------------------------------------------------------


def many_entries(site, tenant, status: str) -> list[TimeCardEntry]:
    """450 entries over 5 days; a second "Ana Alvarez" and two entries per person and day give
    rows whose date and name are equal, which only the id orders."""
    from apps.timecards.models import Employee

    twin = Employee.objects.create(
        office=tenant.office, first_name="Ana", last_name="Alvarez", employee_id="E9"
    )
    people = [site.ana, site.ben, site.cal, twin]
    rows = [
        TimeCardEntry(
            project=site.project,
            employee=people[n % 4],
            date=MONDAY + timedelta(days=n % 5),
            hours=1,
            status=status,
            cost_code=site.framing,
            time_type=site.regular,
        )
        for n in range(450)
    ]
    return TimeCardEntry.objects.bulk_create(rows)


def by_name(entry: TimeCardEntry) -> tuple:
    return (entry.employee.last_name, entry.employee.first_name, entry.pk)


def test_the_list_pages_by_cursor_in_its_order_without_gaps_or_repeats(
    client_as, site, tenant, outsider
):
    from tests.keyset_walking import pks, walks_both_ways

    entries = many_entries(site, tenant, EntryStatus.DRAFT)
    client = client_as(Role.FIELD)
    pages = walks_both_ways(client, "/timecards/")
    newest_first = sorted(entries, key=lambda e: (-e.date.toordinal(), *by_name(e)))
    assert pks(pages) == [e.pk for e in newest_first]
    assert [len(rows) for _, rows in pages] == [50] * 9
    filtered = walks_both_ways(client, f"/timecards/?employee={site.ben.pk}")
    assert len(filtered) == 3 and all(f"employee={site.ben.pk}" in url for url, _ in filtered)
    assert pks(filtered) == [e.pk for e in newest_first if e.employee_id == site.ben.pk]
    outsiders = client.__class__()
    outsiders.force_login(outsider.owner)
    assert list(outsiders.get(pages[3][0]).context["page"]) == []


def test_the_queue_pages_by_cursor_in_its_order_without_gaps_or_repeats(client_as, site, tenant):
    from tests.keyset_walking import pks, walks_both_ways

    entries = many_entries(site, tenant, EntryStatus.SUBMITTED)
    pages = walks_both_ways(client_as(Role.PROJECT_MANAGER), "/timecards/approvals/")
    oldest_first = sorted(entries, key=lambda e: (e.date, *by_name(e)))
    assert pks(pages) == [e.pk for e in oldest_first]
    assert [len(rows) for _, rows in pages] == [200, 200, 50]
    assert "?cursor=" in pages[1][0]


# What the selects offer --------------------------------------------------------------------------


def _other_project_sub_job(site):
    other = Project.objects.create(office=site.project.office, number="300", name="Annex")
    return SubJob.objects.create(office=other.office, project=other, code="001", name="Lobby")


def test_the_timesheet_ties_each_sub_job_to_its_project_for_the_browser(client_as, site):
    theirs = _other_project_sub_job(site)
    url = f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}"
    page = client_as(Role.FIELD).get(url).content.decode()
    assert 'name="new-sub_job" aria-label="New line sub-job" data-follow="new-project"' in page
    assert f'value="{site.sub_job.pk}" data-for="{site.project.pk}"' in page
    assert f'value="{theirs.pk}" data-for="{theirs.project_id}"' in page


def test_the_timesheet_refuses_another_projects_sub_job_and_says_which(client_as, site):
    theirs = _other_project_sub_job(site)
    response = client_as(Role.FIELD).post(
        f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}",
        {"new-project": site.project.pk, "new-sub_job": theirs.pk, "new-h-2025-01-06": "5"},
    )
    assert response.status_code == 400
    assert "Sub-job 300.001 belongs to another project than 200 Tower" in response.content.decode()
    assert not TimeCardEntry.objects.exists()


def test_the_entry_forms_sub_job_select_follows_its_project(client_as, site):
    page = client_as(Role.FIELD).get("/timecards/new/").content.decode()
    assert 'data-follow="project"' in page
    assert f'value="{site.sub_job.pk}" data-for="{site.project.pk}"' in page


def test_every_employee_select_labels_people_with_their_number(client_as, site, enter):
    twin = Employee.objects.create(
        office=site.project.office, first_name="Ana", last_name="Alvarez", employee_id="E9"
    )
    enter("8")
    client = client_as(Role.FIELD)
    timesheet = client.get(f"/timecards/timesheet/{WEEK}&employee={site.ana.pk}")
    for page in (
        client.get("/timecards/").content.decode(),
        client.get("/timecards/new/").content.decode(),
        timesheet.content.decode(),
    ):
        assert f'value="{site.ana.pk}">Ana Alvarez (E0)</option>' in page.replace(" selected", "")
        assert f'value="{twin.pk}">Ana Alvarez (E9)</option>' in page
