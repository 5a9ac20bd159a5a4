"""End to end: a foreman enters a crew day, a project manager approves it, and the approved
entries reach the Procore sandbox's timesheets by themselves (the office sends on approval)."""

from decimal import Decimal

import pytest

from apps.timecards.dates import project_today
from tests.time_export.conftest import site  # noqa: F401  (a connected, linked Procore project)

from .conftest import log_in
from .test_cor_push_ui import work_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_crew_day_approved_in_trestle_appears_in_procore(
    page,
    site,  # noqa: F811  (the fixture imported above)
    tenant,
    screenshot,
    monkeypatch,
):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    ana, ben = site.employees[:2]
    site.crew.members.add(ana, ben)

    log_in(page, tenant.member("field").email)
    page.goto("/timecards/crew/")
    page.get_by_label("Crew").select_option(label="Crew 1")
    page.get_by_role("button", name="Show crew").click()
    page.get_by_label("Hours for each member").fill("8")
    page.get_by_label("Cost code", exact=True).select_option(label=str(site.framing))
    page.get_by_label("Time type", exact=True).select_option(label="Regular Time")
    page.get_by_label(f"Hours of {ben}").fill("9.5")
    page.get_by_role("button", name="Enter crew day").click()
    page.get_by_text("Entered 2 entries for Crew 1.").wait_for()
    page.get_by_role("button", name="Submit selected").click()
    page.get_by_text("Submitted 2 entries.").wait_for()
    page.get_by_role("button", name="Log out").click()

    log_in(page, tenant.member("project_manager").email)
    page.goto("/timecards/approvals/")
    page.locator("#approval-queue").get_by_label("Select all").check()
    page.locator("#approval-queue").get_by_role("button", name="Approve").click()
    page.get_by_text("Approved 2 entries.").wait_for()
    assert site.timecards() == []  # queued for the worker, not sent inside the request
    work_the_queue()

    today = project_today(site.project).isoformat()
    sent = {(e["party_id"], e["date"]): Decimal(str(e["hours"])) for e in site.timecards()}
    assert sent == {
        (site.parties[ana.pk], today): Decimal("8"),
        (site.parties[ben.pk], today): Decimal("9.5"),
    }
    page.goto("/timecards/")
    page.get_by_text("Sent").first.wait_for()
    screenshot(page, "sent")
