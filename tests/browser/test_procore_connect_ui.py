"""An admin connects Procore through the sandbox's consent page and runs the import wizard,
in real Chromium. Screenshots of each step land in tests/artifacts/screenshots/."""

import pytest

from apps.offices.models import Office
from apps.procore_sandbox import seed
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun
from apps.projects.models import CostCode, Project
from apps.timecards.models import Employee

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(live_server, settings):
    base = live_server.url + "/procore-sandbox"
    settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = base
    settings.PROCORE_REDIRECT_URI = live_server.url + "/procore/callback/"
    return seed.seed_demo(seed.Sizes(projects=2, employees=6, vendors=2, sub_jobs=1))


def work_the_queue() -> None:
    """Stand in for the Celery worker: run what the pages queued."""
    for run in SyncRun.objects.filter(status=RunStatus.QUEUED):
        run_execute(run.pk)


def connect(page, office, screenshot=None, decision="Allow") -> None:
    page.goto(f"/settings/offices/{office.pk}/")
    page.get_by_role("link", name="Office Integrations").click()
    if not page.get_by_label("Enable Procore for this office").is_checked():
        page.get_by_label("Enable Procore for this office").check()
        page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Connect to Procore").click()
    page.get_by_text("would like to access your Procore account").wait_for()
    if screenshot:
        screenshot(page, "consent")
    page.get_by_role("button", name=decision).click()


def test_an_admin_connects_maps_a_project_and_imports_with_the_wizard(
    page, tenant, sandbox, screenshot
):
    mine = Project.objects.create(office=tenant.office, number="P-1", name="Our own tower")
    log_in(page, tenant.owner.email)
    connect(page, tenant.office, screenshot)
    page.get_by_text("Which company does").wait_for()
    screenshot(page, "company")
    page.get_by_role("button", name="Use this company").click()
    page.get_by_role("heading", name="1. Procore company and cost code list").wait_for()

    # Map our own project to a Procore project before importing (it must not be duplicated).
    page.goto(f"/projects/{mine.pk}/procore/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Search Procore projects").fill("0001")
    page.wait_for_timeout(600)
    page.get_by_label("Procore project", exact=True).select_option(index=0)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("is mapped to Procore project").wait_for()
    screenshot(page, "project-mapped")

    page.goto(f"/settings/offices/{tenant.office.pk}/integrations/procore/wizard/")
    page.get_by_label("Company cost code list to use").select_option(index=1)
    page.get_by_role("button", name="Next").click()
    for title in ("2. Employees", "3. Projects", "4. Cost codes"):
        page.get_by_role("heading", name=title).wait_for()
        screenshot(page, title[0])
        page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="5. Sync settings").wait_for()
    page.get_by_label("Direction of Employees").select_option("both")
    page.get_by_label("Employees, projects, cost codes, vendors", exact=True).check()
    screenshot(page, "settings")
    page.get_by_role("button", name="Save and start syncing").click()
    page.get_by_text("The first sync has started.").wait_for()

    work_the_queue()
    page.reload()
    page.get_by_text("Succeeded").first.wait_for()
    screenshot(page, "first-sync")
    page.goto("/settings/employees/")
    assert page.locator("tbody tr").count() == Employee.objects.filter(active=True).count() > 0
    page.goto("/projects/")
    screenshot(page, "projects")
    mine.refresh_from_db()  # ours was kept (and updated from Procore), not duplicated
    assert Project.objects.count() == 2
    assert page.get_by_text("mapped", exact=True).count() == 2
    assert CostCode.objects.exists()


def test_deny_on_the_consent_page_explains_and_saves_nothing(page, tenant, sandbox, screenshot):
    log_in(page, tenant.owner.email)
    connect(page, tenant.office, decision="Deny")
    page.get_by_text("Procore was not connected").first.wait_for()
    screenshot(page, "denied")
    assert "Nothing was saved." in page.content()


def test_a_project_manager_sees_why_they_cannot_enable(page, tenant, sandbox, screenshot):
    log_in(page, tenant.member("project_manager").email)
    page.goto(f"/settings/offices/{tenant.office.pk}/integrations/")
    assert page.get_by_label("Enable Procore for this office").is_disabled()
    page.get_by_text(
        "Only an account owner or admin can enable or connect integrations."
    ).wait_for()
    screenshot(page, "pm")


def test_a_second_office_cannot_take_the_same_company(page, tenant, sandbox, screenshot):
    north = Office.objects.create(account=tenant.account, name="North Yard")
    log_in(page, tenant.owner.email)
    connect(page, tenant.office)
    page.get_by_role("button", name="Use this company").click()
    connect(page, north)
    page.get_by_text(f"(connected to {tenant.office.name})").wait_for()
    assert page.get_by_role("radio").is_disabled()
    assert page.get_by_role("button", name="Use this company").count() == 0
    screenshot(page, "taken")
    page.get_by_role("link", name="Cancel").click()
    page.locator("#connection").get_by_text("Company not chosen").wait_for()


def test_a_reload_in_the_middle_of_the_wizard_keeps_the_step(page, tenant, sandbox, screenshot):
    log_in(page, tenant.owner.email)
    connect(page, tenant.office)
    page.get_by_role("button", name="Use this company").click()
    page.get_by_label("Company cost code list to use").select_option(index=1)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("heading", name="2. Employees").wait_for()
    page.reload()
    page.get_by_role("heading", name="2. Employees").wait_for()
    screenshot(page, "reloaded")
