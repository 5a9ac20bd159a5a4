"""A foreman enters his crew's day on the crew page and submits it; a project manager approves it
in the queue. (That the approved entries reach Procore is tests/time_export's part.)"""

import pytest

from apps.projects.models import Project, SubJob
from apps.timecards.dates import project_today
from apps.timecards.models import EntryStatus, TimeCardEntry
from tests.timecards.conftest import site  # noqa: F401  (the crew, project and codes)

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_foreman_enters_and_submits_a_crew_day_that_a_pm_approves(
    page,
    site,  # noqa: F811  (the fixture imported above)
    tenant,
    screenshot,
):
    site.project.office.time_zone = site.project.time_zone  # the crew's today is the timesheet's
    site.project.office.save()
    foreman = tenant.member("field")
    log_in(page, foreman.email)
    page.get_by_role("link", name="Timecards", exact=True).click()
    page.get_by_role("link", name="Crew day").click()
    page.get_by_label("Crew").select_option(label="Framers")
    page.get_by_role("button", name="Show crew").click()
    page.get_by_role("heading", name="Framers on 200 Tower").wait_for()
    page.get_by_label("Hours for each member").fill("8")
    page.get_by_label("Cost code", exact=True).select_option(label=str(site.framing))
    page.get_by_label("Time type", exact=True).select_option(label="Regular Time")
    page.get_by_label(f"Hours of {site.ben}").fill("10")
    page.get_by_label(f"Time type of {site.ben}").select_option(label="Overtime")
    page.get_by_label(f"Enter {site.cal}").uncheck()  # Cal was off today
    screenshot(page, "crew-day")
    page.get_by_role("button", name="Enter crew day").click()
    page.get_by_text("Entered 2 entries for Framers.").wait_for()
    entries = TimeCardEntry.objects.order_by("employee__last_name")
    assert [(e.employee, str(e.hours), e.status) for e in entries] == [
        (site.ana, "8.00", EntryStatus.DRAFT),
        (site.ben, "10.00", EntryStatus.DRAFT),
    ]
    assert {e.date for e in entries} == {project_today(site.project)}
    page.get_by_role("button", name="Submit selected").click()
    page.get_by_text("Submitted 2 entries.").wait_for()
    screenshot(page, "submitted")
    assert page.get_by_role("link", name="Approvals").count() == 0  # a foreman does not approve

    page.get_by_role("button", name="Log out").click()
    log_in(page, tenant.member("project_manager").email)
    page.goto("/timecards/")
    page.get_by_role("link", name="Approvals").click()
    queue = page.locator("#approval-queue")
    for entry in entries:
        queue.locator(f"tr[data-entry='{entry.pk}']").wait_for()
    queue.get_by_label("Select all").check()
    screenshot(page, "queue")
    queue.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved 2 entries.").wait_for()
    page.get_by_text("Nothing waits for approval").wait_for()
    screenshot(page, "approved")
    approved = TimeCardEntry.objects.filter(status=EntryStatus.APPROVED)
    assert approved.count() == 2
    assert {e.decided_by.email for e in approved} == {tenant.member("project_manager").email}

    page.get_by_role("link", name="Weekly timesheet").click()
    page.get_by_label("Employee").select_option(label=f"{site.ben} (E1)")
    page.locator(".week-total", has_text="10.00").wait_for()
    screenshot(page, "timesheet")


def test_the_timesheet_offers_only_the_chosen_projects_sub_jobs(
    page,
    site,  # noqa: F811  (the fixture imported above)
    tenant,
):
    annex = Project.objects.create(office=site.project.office, number="300", name="Annex")
    lobby = SubJob.objects.create(office=annex.office, project=annex, code="001", name="Lobby")
    log_in(page, tenant.member("field").email)
    page.goto(f"/timecards/timesheet/?employee={site.ana.pk}")
    sub_jobs = page.get_by_label("New line sub-job")

    def offered() -> list[str]:
        return sub_jobs.locator("option:not([disabled])").evaluate_all(
            "options => options.map(o => o.value)"
        )

    assert offered() == [""]  # no project yet: no sub-job to pick
    page.get_by_label("New line project").select_option(label=str(site.project))
    assert offered() == ["", str(site.sub_job.pk)]
    sub_jobs.select_option(str(site.sub_job.pk))
    page.get_by_label("New line project").select_option(label=str(annex))
    assert offered() == ["", str(lobby.pk)]
    assert sub_jobs.input_value() == ""  # the other project's sub-job is no longer chosen
