"""A person changes an employee "in Procore" on the sandbox's page, in real Chromium.
Screenshots land in tests/artifacts/screenshots/."""

import pytest

from apps.procore_sandbox import seed
from apps.procore_sandbox.models import SandboxRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_finds_an_employee_renames_them_and_is_told_how_trestle_hears(page, screenshot):
    company = seed.seed_demo(seed.Sizes(projects=1, employees=60, vendors=2, sub_jobs=0))
    employee = (
        SandboxRecord.objects.filter(company=company, resource="users", data__is_employee=True)
        .order_by("-id")
        .first()
    )
    page.goto("/procore-sandbox/change/")
    page.get_by_role("link", name=company.name).click()
    page.get_by_text("The first 50 of 60: search to find another.").wait_for()
    page.get_by_label("Search").fill(employee.data["email_address"])
    page.get_by_role("button", name="Search").click()
    page.get_by_text("1 found.").wait_for()
    screenshot(page, "found")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("First name").fill("Ana")
    screenshot(page, "form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text('Procore sends a "Company Users" webhook').wait_for()
    screenshot(page, "saved")
    assert page.get_by_role("cell", name=f"Ana {employee.data['last_name']}").is_visible()
    assert SandboxRecord.objects.get(id=employee.id).data["first_name"] == "Ana"
