"""Field crews use Trestle on phones: the time and COR pages fit a 390-pixel-wide screen, their
fields are full width and big enough to tap, and a crew member can enter hours and a PM approve
them without zooming or scrolling sideways."""

from decimal import Decimal

import pytest

from apps.cors.models import ChangeOrderRequest, CorLineItem
from apps.timecards.models import EntryStatus, TimeCardEntry
from tests.timecards.conftest import MONDAY, enter, site  # noqa: F401  (the crew, project, codes)

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TAP = 40  # px: the smallest control a gloved thumb hits reliably (Apple asks 44, Material 48)
CHECKBOX = 24  # px: WCAG 2.2's minimum target size; its label around it makes the hit area larger


@pytest.fixture
def phone(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def cor(site, monkeypatch):  # noqa: F811  (the fixture imported above)
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    cor = ChangeOrderRequest.objects.create(
        project=site.project,
        number=7,
        title="Extra blocking at level 3 for the owner's TVs",
        subtotal=Decimal("1360.00"),  # the stored totals, as cor_create would leave them
        total=Decimal("1360.00"),
    )
    CorLineItem.objects.create(
        cor=cor,
        description="Carpenter labour for blocking",
        cost_type="labor",
        cost_code=site.framing,
        quantity=Decimal("16"),
        unit="hr",
        unit_cost=Decimal("85.00"),
        amount=Decimal("1360.00"),
    )
    return cor


def shoot(page, name: str) -> None:
    """For a person to look at: the issue's closing note describes them."""
    page.screenshot(path=f"/tmp/phone_{name}.png", full_page=True)  # noqa: S108  (asked for there)


def assert_fits(page) -> None:
    """The page itself never scrolls sideways (a wide table may scroll inside its own box)."""
    page.wait_for_load_state("load")  # measured before the stylesheet arrives, every page is wide
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} is {width} px wide"


def assert_tappable(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= TAP, f"{locator} is {box} (under {TAP} px)"


def assert_on_screen(locator) -> None:
    """Readable without scrolling sideways: the page is not scrolled and the box ends on screen."""
    box = locator.bounding_box()
    scrolled = locator.page.evaluate("window.scrollX")
    assert box is not None and scrolled == 0, f"{locator} is {box}, page scrolled {scrolled}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{locator} is {box}"


def assert_at_least(locator, size: int) -> None:
    box = locator.bounding_box()
    assert box is not None and min(box["width"], box["height"]) >= size, f"{locator} is {box}"


def assert_full_width(locator) -> None:
    """A form field spans the content column: nearly the screen, less the page's padding."""
    box = locator.bounding_box()
    assert box is not None and box["width"] >= PHONE["width"] - 80, f"{locator} is {box}"


def test_the_navigation_wraps_on_a_phone_and_stays_usable(phone, tenant):
    log_in(phone, tenant.member("field").email)
    assert_fits(phone)
    link = phone.get_by_role("link", name="Timecards", exact=True)
    assert link.is_visible()
    assert_tappable(link)
    link.click()
    phone.get_by_role("heading", name="Timecards").wait_for()
    assert_fits(phone)


def test_a_crew_member_enters_a_week_on_the_timesheet_on_a_phone(
    phone,
    site,  # noqa: F811  (the fixture imported above)
    tenant,
):
    log_in(phone, tenant.member("field").email)
    phone.goto(f"/timecards/timesheet/?week={MONDAY.isoformat()}&employee={site.ana.pk}")
    assert_fits(phone)
    project = phone.get_by_label("New line project")
    assert_full_width(project)
    assert_tappable(project)
    project.select_option(label=str(site.project))
    phone.get_by_label("New line cost code").select_option(label=str(site.framing))
    phone.get_by_label("New line time type").select_option(label="Regular Time")
    monday = phone.get_by_label("New line Mon Jan 6")
    monday.scroll_into_view_if_needed()
    assert monday.is_visible()
    assert_tappable(monday)
    monday.tap()
    monday.fill("7.5")
    shoot(phone, "timesheet")
    save = phone.get_by_role("button", name="Save week")
    assert_tappable(save)
    with phone.expect_navigation():
        save.tap()
    phone.locator(".week-total", has_text="7.50").wait_for()
    assert_fits(phone)
    entry = TimeCardEntry.objects.get()
    assert (entry.employee, entry.date, str(entry.hours)) == (site.ana, MONDAY, "7.50")
    assert (entry.cost_code, entry.status) == (site.framing, EntryStatus.DRAFT)


def test_a_foreman_opens_the_crew_day_on_a_phone(
    phone,
    site,  # noqa: F811  (the fixture imported above)
    enter,  # noqa: F811
    tenant,
):
    entry = enter(employee=site.ben, hours="6.5", crew=site.crew)
    log_in(phone, tenant.member("field").email)
    phone.goto(f"/timecards/crew/?crew={site.crew.pk}&project={site.project.pk}&date=2025-01-06")
    phone.get_by_role("heading", name="Framers on 200 Tower").wait_for()
    assert_fits(phone)
    hours = phone.get_by_label("Hours for each member")
    assert_full_width(hours)
    assert_tappable(hours)
    ben = phone.get_by_label(f"Hours of {site.ben}")
    ben.scroll_into_view_if_needed()
    assert ben.is_visible()
    assert_tappable(ben)
    assert_tappable(phone.get_by_role("button", name="Enter crew day"))
    entered = phone.locator(f"tr[data-entry='{entry.pk}']")
    entered.scroll_into_view_if_needed()
    assert_on_screen(entered)
    assert_on_screen(entered.get_by_text("Regular Time"))
    pick = phone.get_by_label(f"Select {site.ben}")
    assert_at_least(pick, CHECKBOX)
    pick.locator("..").click(position={"x": 2, "y": 2})  # the label's corner, beside the box
    assert not pick.is_checked()
    shoot(phone, "crew_day")


def test_a_pm_approves_one_entry_in_the_queue_on_a_phone(
    phone,
    site,  # noqa: F811  (the fixture imported above)
    enter,  # noqa: F811
    tenant,
):
    entries = [enter(employee=person) for person in (site.ana, site.ben)]
    TimeCardEntry.objects.update(status=EntryStatus.SUBMITTED)
    log_in(phone, tenant.member("project_manager").email)
    phone.goto("/timecards/approvals/")
    assert_fits(phone)
    approved, waiting = entries
    pick = phone.get_by_label(f"Select {site.ana} 2025-01-06")
    pick.scroll_into_view_if_needed()
    assert pick.is_visible()
    pick.check()
    approve = phone.get_by_role("button", name="Approve")
    assert_tappable(approve)
    shoot(phone, "approvals")
    approve.tap()
    phone.get_by_text("Approved 1 entry.").wait_for()
    assert_fits(phone)
    approved.refresh_from_db()
    waiting.refresh_from_db()
    assert (approved.status, waiting.status) == (EntryStatus.APPROVED, EntryStatus.SUBMITTED)


def test_the_cor_log_detail_and_form_fit_a_phone(phone, tenant, cor):
    log_in(phone, tenant.owner.email)
    phone.goto("/cors/")
    row = phone.locator(f"tr[data-cor='{cor.pk}']")
    row.wait_for()
    assert_fits(phone)
    assert_on_screen(row)
    assert_on_screen(row.get_by_text("$1,360.00"))
    pick = phone.get_by_label(f"Select COR {cor.number}")
    assert_at_least(pick, CHECKBOX)
    shoot(phone, "cor_log")
    number = phone.get_by_role("link", name="7", exact=True)
    assert_tappable(number)
    number.tap()
    phone.get_by_text("Carpenter labour for blocking").wait_for()
    assert_fits(phone)
    total = phone.locator("tfoot th.num")
    assert total.inner_text() == "$1,360.00"
    assert_on_screen(total)
    for label in ("Qty", "Unit cost", "Amount"):
        assert_on_screen(phone.locator(f"td[data-label='{label}']"))
    shoot(phone, "cor_detail")
    phone.get_by_role("link", name="Edit").tap()
    title = phone.get_by_label("Title")
    assert_full_width(title)
    assert_tappable(title)
    assert_fits(phone)
    shoot(phone, "cor_form")
    title.fill("Extra blocking at level 3")
    phone.get_by_role("button", name="Save").tap()
    phone.get_by_role("link", name="Edit").wait_for()
    assert_fits(phone)
    cor.refresh_from_db()
    assert cor.title == "Extra blocking at level 3"
