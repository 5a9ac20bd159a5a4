"""The demo as `make run` leaves it (demo_setup, then the sandbox seed), in real Chromium: the
customer connects Riverside HQ to its own Procore company, maps Riverside Lofts, opens the
contractor's answer to its change notification and pushes it into Riverside's Procore."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.offices.models import Office
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.push_models import CorPush

from .conftest import log_in
from .test_cor_push_ui import work_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, settings) -> None:
    settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = live_server.url + "/procore-sandbox"
    settings.PROCORE_REDIRECT_URI = live_server.url + "/procore/callback/"
    call_command("demo_setup", stdout=io.StringIO())
    seed = ["--if-empty", "--projects", "1", "--employees", "4", "--vendors", "2"]
    call_command("procore_sandbox_seed", *seed, stdout=io.StringIO())


def test_the_demo_customer_pushes_the_contractors_answer_into_its_own_procore(
    page, demo, screenshot, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.views.cor_push.enqueue_run", lambda run_id: None)
    log_in(page, "customer@trestle.local", "trestle-demo")
    office = Office.objects.get(name="Riverside HQ")
    page.goto(f"/settings/offices/{office.pk}/integrations/")
    page.get_by_label("Enable Procore for this office").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Connect to Procore").click()
    consenting = page.get_by_label("Sign in as")
    assert "Sandbox Builders Inc." in consenting.inner_text()
    assert "Riverside Development" in consenting.inner_text()
    screenshot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    page.get_by_label("Riverside Development").check()
    screenshot(page, "company")
    page.get_by_role("button", name="Use this company").click()
    page.get_by_text("Riverside HQ is connected to Riverside Development.").wait_for()

    page.goto("/projects/")
    page.get_by_role("link", name="RD-1").click()
    page.get_by_role("link", name="Procore", exact=True).click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Procore project", exact=True).select_option(label="RD-1 Riverside Lofts")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(
        "RD-1 Riverside Lofts is mapped to Procore project Riverside Lofts."
    ).wait_for()

    page.goto("/change-notifications/")
    page.get_by_label("Open the response COR 1").click()
    page.get_by_role("button", name="+PROCORE").click()
    page.get_by_role("heading", name="1. Change Event").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("has no budget code").first.wait_for()  # the contractor's lines have none
    page.get_by_label("Contract").select_option(label="Commitment SC-001 Demo Construction Co. SC")
    page.get_by_label("Budget code for lines without one").select_option(label="26-100.O Rough-In")
    page.get_by_role("button", name="Check again").click()
    page.get_by_text("Pre-flight passed").wait_for()
    screenshot(page, "preflight")
    page.get_by_role("button", name="Push").click()
    work_the_queue()

    [event] = SandboxRecord.objects.filter(
        company__name="Riverside Development", resource="change_events"
    )
    amounts = sorted(
        Decimal(str(i["estimated_cost_amount"])) for i in event.data["change_event_line_items"]
    )
    # 2 x 30 and 6 x 95, each line's 10% markup a line of its own; together the COR's 693
    assert amounts == [Decimal("6"), Decimal("57"), Decimal("60"), Decimal("570")]
    push = CorPush.objects.get()
    assert push.office == office and push.pushed_total == Decimal("693.00")
    page.goto("/change-notifications/")
    page.get_by_label("Open the response COR 1").click()
    page.get_by_text("In your Procore: Change Event").wait_for()
    screenshot(page, "pushed")
