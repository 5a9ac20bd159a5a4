"""A project manager pushes two CORs into a new Procore Change Event from the COR log (a line's
markup shown as a line of its own), edits one, sees it flagged out of date, and re-pushes it:
previous and new totals, same lines; a status changed in Procore then shows on the log."""

import pytest

from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun
from apps.procore_sync.push_models import CorPush
from tests.cor_push.conftest import line, make_cor

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def work_the_queue() -> None:
    """Stand in for the Celery worker."""
    for run in SyncRun.objects.filter(status=RunStatus.QUEUED):
        run_execute(run.pk)


def push_selected(page, contract: str | None) -> None:
    page.get_by_role("button", name="+PROCORE").click()
    page.get_by_role("heading", name="1. Change Event").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="2. How to push").wait_for()
    if contract:
        page.get_by_label("Contract").select_option(label=contract)
        page.get_by_role("button", name="Check again").click()
    page.get_by_text("Pre-flight passed").wait_for()


def test_a_pm_pushes_two_cors_then_repushes_an_edited_one(
    page, procore, target, tenant, screenshot, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.views.cor_push.enqueue_run", lambda run_id: None)
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    pm = tenant.member("project_manager")
    outlets = make_cor(
        target,
        tenant.owner,
        "Extra outlets",
        line(target, "100", markup="10"),
        line(target, "40", cost_type="material"),
    )
    wall = make_cor(target, tenant.owner, "Move wall", line(target, "250", code="wiring"))

    log_in(page, pm.email)
    page.goto("/cors/")
    page.get_by_label(f"Select COR {outlets.number}").check()
    page.get_by_label(f"Select COR {wall.number}").check()
    push_selected(page, "Commitment SC-001 Sparks SC")
    page.locator("#push-how").get_by_text("A line's markup goes as a line of its own").wait_for()
    markup = page.locator(".markup-line").inner_text()
    assert "COR-001: markup 10% on" in markup and "Same budget code as its line" in markup
    screenshot(page, "preflight")
    page.get_by_role("button", name="Push").click()
    page.get_by_text("Pushing 2 COR(s) to Procore.").wait_for()
    work_the_queue()
    page.reload()
    page.get_by_text("Succeeded").first.wait_for()
    [event] = procore.records("change_events")
    assert len(event["change_event_line_items"]) == 4  # three lines and one markup

    page.goto(f"/cors/{outlets.pk}/edit/")
    page.locator("input[name='lines-0-unit_cost']").fill("130")
    page.get_by_role("button", name="Save").click()
    page.goto("/cors/")
    row = page.locator(f"tr[data-cor='{outlets.pk}']")
    row.get_by_text("Out of date").wait_for()
    assert page.locator(f"tr[data-cor='{wall.pk}']").get_by_text("Out of date").count() == 0
    screenshot(page, "out-of-date")

    row.get_by_role("checkbox").check()
    push_selected(page, None)  # the same Change Event and contract are proposed
    totals = page.locator(".repush-totals").inner_text()
    assert "Previous total $150.00" in totals and "new total $183.00" in totals
    screenshot(page, "repush")
    page.get_by_role("button", name="Push").click()
    work_the_queue()
    page.goto("/cors/")
    assert page.locator(f"tr[data-cor='{outlets.pk}']").get_by_text("Out of date").count() == 0
    [event] = procore.records("change_events")
    assert len(event["change_event_line_items"]) == 4  # updated in place, nothing duplicated
    pushed = CorPush.objects.get(cor=outlets)
    assert pushed.pushed_total == 183

    record = SandboxRecord.objects.get(id=pushed.change_event_id)
    procore.change(record, change_event_status_id=target.statuses["Closed"])  # in Procore
    page.locator("#ce-statuses-refresh").click()
    page.get_by_text("being checked in Procore").wait_for()
    work_the_queue()
    page.locator(f"#push-{outlets.pk}").get_by_text("Closed").wait_for()  # no reload
    page.get_by_text("Change Event statuses checked").wait_for()
    screenshot(page, "status-from-procore")
