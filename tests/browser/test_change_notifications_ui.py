import pytest

from apps.cors.models import ChangeOrderRequest, CorStatus
from apps.cors.notifications import partner_code
from apps.projects.models import Project
from tests.conftest import make_tenant

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")


def test_a_customer_notifies_a_contractor_who_answers_and_the_customer_accepts(
    page, tenant, screenshot
):
    contractor = make_tenant("Bolt Electric")
    Project.objects.create(office=tenant.office, number="200", name="Tower")
    Project.objects.create(office=contractor.office, number="E-7", name="Tower electrical")

    log_in(page, tenant.owner.email)
    page.get_by_role("link", name="Change Notifications").click()
    page.get_by_role("link", name="Trading partners").click()
    page.get_by_label("Contractor's partner code").fill(partner_code(contractor.account))
    page.get_by_role("button", name="Add partner").click()
    page.get_by_text("Bolt Electric is now a trading partner.").wait_for()
    screenshot(page, "partners")
    page.goto("/change-notifications/new/")
    page.get_by_label("Project").select_option(label="200 Tower")
    page.get_by_label("Contractor").select_option(label="Bolt Electric")
    page.get_by_label("Title").fill("Move the panel")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("sent to Bolt Electric").wait_for()
    log_out(page)

    log_in(page, contractor.owner.email)
    page.goto("/change-notifications/?box=received")
    screenshot(page, "received")
    page.get_by_role("link", name="Move the panel").click()
    page.get_by_label("Project").select_option(label="E-7 Tower electrical")
    page.get_by_role("button", name="Answer with a COR").click()
    page.locator("[name=lines-0-description]").fill("Electrician")
    page.locator("[name=lines-0-cost_type]").select_option("labor")
    page.locator("[name=lines-0-quantity]").fill("4")
    page.locator("[name=lines-0-unit_cost]").fill("85.50")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Mark sent").click()
    page.get_by_text("is now sent").wait_for()
    screenshot(page, "cor-sent")
    log_out(page)

    log_in(page, tenant.owner.email)
    page.goto("/change-notifications/")
    screenshot(page, "sent-list")
    page.get_by_role("link", name="Open the response COR 1").click()
    page.get_by_text("Electrician").wait_for()
    screenshot(page, "response")
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("response accepted").wait_for()
    screenshot(page, "accepted")
    assert ChangeOrderRequest.objects.get().status == CorStatus.APPROVED
