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


def test_an_admin_switches_time_to_daily_logs_and_procore_keeps_the_hours_once(
    page,
    site,  # noqa: F811  (the fixture imported above)
    tenant,
    screenshot,
    monkeypatch,
):
    from datetime import date

    from apps.procore_sync.engine import run_execute
    from apps.procore_sync.engine_models import ImportWizard, RunStatus, SyncRun

    monkeypatch.setattr("apps.procore_sync.views.wizard.enqueue_run", lambda run_id: None)
    monday = date(2026, 11, 16)
    site.entry(0, monday, 8)
    site.entry(1, monday, "7.5")
    assert site.export(monday).status == RunStatus.SUCCEEDED
    ImportWizard.objects.create(office=tenant.office, step=5)

    log_in(page, tenant.owner.email)
    page.goto(f"/settings/offices/{tenant.office.pk}/integrations/procore/wizard/")
    explained = page.locator("#time-switch")
    explained.get_by_text("Procore holds 2 timecard entries Trestle sent there").wait_for()
    assert "withdraws them from Procore" in explained.inner_text()
    screenshot(page, "before-switch")
    page.get_by_label("Daily-log timecards").check()
    page.get_by_role("button", name="Save and start syncing").click()
    page.get_by_text("withdraws what Procore timesheets held").wait_for()

    move = run_execute(SyncRun.objects.get(flow="daily_logs").pk)
    assert move.status == RunStatus.SUCCEEDED
    assert site.procore_hours() == site.trestle_hours()
    assert {o.split("-")[1] for o in site.origin_counts()} == {"dl"}
    page.goto(f"/sync/runs/{move.pk}/")
    page.get_by_text("Withdrawn from Procore timesheets").first.wait_for()
    screenshot(page, "moved")
    page.goto("/sync/time-export/")
    assert "(time goes to Daily-log timecards)" in page.locator("#export-office").inner_text()
