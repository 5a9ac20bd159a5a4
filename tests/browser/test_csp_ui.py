"""The Content-Security-Policy in real Chromium: the main pages, the OAuth flow through the
sandbox's consent page and the sandbox's own pages load without a single CSP violation, so
nothing the pages rely on (htmx, our behaviours, styles) is silently refused."""

import pytest

from apps.cors.models import ChangeNotification
from apps.offices.models import Office
from apps.procore_sandbox.models import SandboxCompany
from apps.procore_sync.models import SyncRun
from apps.projects.models import Project

from .conftest import log_in
from .test_demo_customer_ui import demo  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN_PAGES = [
    "/",
    "/settings/",
    "/settings/offices/",
    "/settings/members/",
    "/projects/",
    "/cors/",
    "/change-notifications/",
    "/timecards/",
    "/timecards/timesheet/",
    "/timecards/crew/",
    "/timecards/approvals/",
    "/timecards/quantities/",
    "/ap-invoices/",
    "/sync/",
    "/api/v1/docs/",
    "/procore-sandbox/change/",
    "/admin/login/",
    "/api/v1/",
    "/api/v1/cors/",
]


@pytest.fixture
def violations(page) -> list[str]:
    """Chromium reports every refused script, style, frame or form target on the console."""
    seen: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            seen.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return seen


def test_the_main_pages_and_the_oauth_flow_break_no_csp_rule(page, demo, violations, screenshot):  # noqa: F811
    log_in(page, "customer@trestle.local", "trestle-demo")
    office = Office.objects.get(name="Riverside HQ")
    page.goto(f"/settings/offices/{office.pk}/integrations/")
    page.get_by_label("Enable Procore for this office").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Connect to Procore").click()
    page.get_by_role("button", name="Allow").click()
    page.get_by_label("Riverside Development").check()
    page.get_by_role("button", name="Use this company").click()
    page.get_by_text("Riverside HQ is connected to Riverside Development.").wait_for()

    pages = [*MAIN_PAGES, f"/settings/offices/{office.pk}/"]
    pages.append(f"/projects/{Project.objects.get(name='Riverside Lofts').pk}/")
    pages.append(f"/change-notifications/{ChangeNotification.objects.get().pk}/")
    pages.append(f"/procore-sandbox/change/{SandboxCompany.objects.first().pk}/")
    pages += [f"/sync/runs/{run.pk}/" for run in SyncRun.objects.filter(office=office)[:1]]
    for path in pages:
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
    screenshot(page, "last-page")
    assert violations == [], "\n".join(violations)
