import pytest
from django.core import mail

from apps.offices.models import Office

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_logs_in_and_creates_an_office(page, tenant, screenshot):
    log_in(page, tenant.owner.email)
    screenshot(page, "dashboard")
    page.get_by_role("link", name="Settings", exact=True).click()
    page.locator(".content").get_by_role("link", name="Offices").click()
    page.get_by_role("link", name="New office").click()
    page.get_by_label("Name").fill("North Yard")
    page.get_by_label("City").fill("Tulsa")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Office North Yard created.").wait_for()
    screenshot(page, "office-created")
    assert Office.objects.get(name="North Yard").account == tenant.account


def test_a_field_user_sees_why_they_cannot_add_an_office(page, tenant, screenshot):
    log_in(page, tenant.member("field").email)
    page.goto("/settings/offices/")
    assert page.get_by_role("link", name="New office").count() == 0
    response = page.goto("/settings/offices/new/")
    assert response.status == 403
    assert "Only an account owner or admin can change offices." in page.content()
    screenshot(page, "refused")


def test_an_owner_invites_a_colleague_who_joins(page, browser, live_server, tenant, screenshot):
    log_in(page, tenant.owner.email)
    page.goto("/settings/members/")
    page.get_by_label("Email").fill("pm@acme.test")
    page.get_by_label("Role", exact=True).select_option("project_manager")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to pm@acme.test.").wait_for()
    link = next(w for w in mail.outbox[-1].body.split() if "/accounts/invitations/" in w)

    newcomer = browser.new_context(base_url=live_server.url).new_page()
    newcomer.goto(link)
    newcomer.get_by_label("Full name").fill("Pat Manager")
    newcomer.get_by_label("Password").fill("Str0ng-enough!")
    newcomer.get_by_role("button", name="Create my login and join").click()
    newcomer.get_by_text(f"Welcome to {tenant.account.name}.").wait_for()
    screenshot(newcomer, "joined")
    assert "Project manager" in newcomer.content()
