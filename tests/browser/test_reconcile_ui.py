"""An owner opens the Procore vs Trestle report from Sync Activity, checks it, reads a
difference a Procore user made (a COR line repriced), repairs it with one click, and checks
again: Procore holds what Trestle says."""

import pytest

from apps.procore_sync.push_models import CorPush
from tests.cor_push.conftest import line, make_cor, push
from tests.cor_push.test_reconcile import procore_line_change

from .conftest import log_in
from .test_cor_push_ui import work_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_finds_a_difference_and_repairs_it(
    page, procore, target, tenant, screenshot, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.views.reconcile.enqueue_run", lambda run_id: None)
    cor = make_cor(target, tenant.owner, "Extra rebar", line(target, "85", qty="10"))
    assert push(target, tenant.owner, [cor]).status == "succeeded"
    pushed = CorPush.objects.get(cor=cor)
    key = next(k for k in pushed.line_ids if k.startswith("line:"))
    procore_line_change(pushed, key, estimated_cost_unit_cost=93.5)

    log_in(page, tenant.owner.email)
    page.goto("/sync/")
    page.get_by_role("link", name="Procore vs Trestle report").click()
    page.get_by_text("Procore has not been compared with Trestle yet").wait_for()
    page.get_by_role("button", name="Check Procore vs Trestle").click()
    page.get_by_text("Procore is being compared with Trestle").wait_for()
    work_the_queue()
    page.reload()
    row = page.locator("tr[data-field='amount']")
    assert "Procore's amount for line 'COR-001: drywall labor' is $935.00" in row.inner_text()
    assert "Trestle pushed $850.00; changed in Procore." in row.inner_text()
    assert page.get_by_role("heading", name="CORs pushed to Change Events").is_visible()
    screenshot(page, "difference")

    row.get_by_role("button", name="Push again").click()
    page.get_by_text("Repair started: 1 run queued").wait_for()
    assert "Repair queued" in page.locator("tr[data-field='amount']").inner_text()
    work_the_queue()
    page.get_by_role("button", name="Check Procore vs Trestle").click()
    work_the_queue()
    page.reload()
    page.get_by_text("Procore holds what Trestle says: no differences.").wait_for()
    screenshot(page, "clean")
