"""An admin unmaps a project from its Procore project in real Chromium: the page asks first,
then says so; a COR of the project is then refused at the push until it is mapped again."""

import pytest

from tests.cor_push.conftest import line, make_cor

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_unmaps_a_project_then_maps_it_again(page, procore, target, tenant, screenshot):
    cor = make_cor(target, tenant.owner, "Extra outlets", line(target, "100"))
    log_in(page, tenant.member("admin").email)
    mapped = f"Procore project #{target.procore_project_id}"
    page.goto(f"/projects/{target.project.pk}/procore/")
    page.get_by_text(f"Mapped to {mapped}").wait_for()
    page.get_by_role("link", name="Unmap").click()
    page.get_by_text(f"Unmap 300 Tower from {mapped}?").wait_for()
    screenshot(page, "confirm")
    page.get_by_role("button", name="Unmap").click()
    page.get_by_text("300 Tower is no longer mapped to Procore project").wait_for()
    page.get_by_text("Not mapped to a Procore project.").wait_for()
    screenshot(page, "unmapped")

    page.goto(f"/sync/cor-push/?cors={cor.pk}")
    page.get_by_text("Project 300 Tower is not mapped to a Procore project.").wait_for()

    page.goto(f"/projects/{target.project.pk}/procore/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Procore project", exact=True).select_option(label="T-1 Tower")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Mapped to {mapped}").wait_for()
