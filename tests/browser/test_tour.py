"""The tour (issue 19, "Show it"): an owner of the demo account opens every page of the navigation
and the main detail pages, on a desk and on a phone, and every problem a person would see is
collected across all pages, so one run lists them all."""

from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from apps.accounts.models import User
from apps.ap_invoices.models import ApQueue, Vendor
from apps.ap_invoices.services import Line, invoice_create
from apps.core import demo
from apps.core.navigation import SECTIONS
from apps.cors.models import ChangeOrderRequest
from apps.offices.models import Office
from apps.procore_sync.engine import FLOWS
from apps.procore_sync.engine_models import Outcome, RunStatus, SyncItem, SyncRun
from apps.procore_sync.models import ProcoreConnection
from apps.projects.models import Project

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1280, 800), (390, 844)]
# The keys the importers and exporters count under (importers/upsert.py, exporters/entities.py).
ENTITY_COUNTS = {
    "created": 2, "updated": 1, "unchanged": 3, "linked": 1, "not_linked": 1,
    "skipped_inactive": 1, "conflicts_kept_trestle": 1, "exported_created": 1, "failed": 1,
}  # fmt: skip

# Elements that stick out past the viewport's right edge and past their parent's (the one that
# pushes the page wider, not each of its children), unless an ancestor scrolls or clips
# horizontally on purpose (a `.table-scroll` wrapper); and cards or tables whose own content
# spills over their border (the Sync Activity health cards did).
OVERFLOW_JS = """() => {
  const limit = window.innerWidth + 1;
  const scrolls = (el) =>
    ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const insideScroller = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (scrolls(a)) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const text = (el) => (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || insideScroller(el)) continue;
    const parentRight = el.parentElement.getBoundingClientRect().right;
    if (box.right > limit && box.right > parentRight + 1) {
      const right = Math.round(box.right);
      found.push(`${name(el)} ends at ${right}px > ${window.innerWidth}px: "${text(el)}"`);
    }
    if ((el.matches('.card, table') && !scrolls(el)) && el.scrollWidth > el.clientWidth + 1) {
      const wide = `${el.scrollWidth}px wide in ${el.clientWidth}px`;
      found.push(`${name(el)} content is ${wide}: "${text(el)}"`);
    }
  }
  return found;
}"""

# Visible text less code samples and e-mail addresses; input values are not in innerText.
SNAKE_JS = """() => {
  let text = document.body.innerText;
  for (const el of document.body.querySelectorAll('code, pre')) {
    text = text.split(el.innerText).join(' ');
  }
  text = text.replace(/\\S+@\\S+/g, ' ');
  return [...new Set(text.match(/\\b[a-z]+_[a-z_]+\\b/g) || [])];
}"""


def test_every_page_reads_clean_on_a_desk_and_on_a_phone(browser, live_server, monkeypatch):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    pages = _demo_pages()
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        _log_in(page)
        current = {"label": "login"}
        _listen(page, problems, current, width)
        # Chromium fetches /favicon.ico outside the page's events, so ask for it once.
        favicon = page.request.get("/favicon.ico")
        if favicon.status >= 400:
            problems.append(f"every page @ {width}px: HTTP {favicon.status}: /favicon.ico")
        for label, url in pages:
            current["label"] = label
            page.goto(url)
            _settle(page)
            where = f"{label} ({url}) @ {width}px"
            problems += [f"{where}: overflow: {p}" for p in page.evaluate(OVERFLOW_JS)]
            problems += [f"{where}: snake_case text: {w}" for w in page.evaluate(SNAKE_JS)]
            shot = SCREENSHOTS / f"tour-{width}-{slugify(label)}.png"
            page.screenshot(path=str(shot), full_page=True)
        context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _demo_pages() -> list[tuple[str, str]]:
    """Every navigation section (walked from SECTIONS, so a page added later is toured too),
    then one COR, one invoice and one sync run of the demo account."""
    demo.demo_setup()
    owner = User.objects.get(email=demo.CONTRACTOR_EMAIL)
    office = Office.objects.get(account__memberships__user=owner, name="Main Office")
    pages = [(label, reverse(name)) for label, name in SECTIONS]
    cor = ChangeOrderRequest.objects.filter(project__office=office).first()
    pages.append(("COR detail", reverse("cor_detail", args=[cor.pk])))
    invoice = _invoice(office, owner)
    pages.append(("Invoice detail", reverse("ap_invoice_detail", args=[invoice.pk])))
    run = _sync_run(office)
    pages.append(("Sync run detail", reverse("sync_run_detail", args=[run.pk])))
    return pages


def _invoice(office: Office, owner: User):
    project = Project.objects.filter(office=office).first()
    vendor = Vendor.objects.create(office=office, name="Springfield Drywall")
    return invoice_create(
        office=office,
        user=owner,
        lines=[Line(description="Hang board", amount=Decimal("5700.00"), retainage=Decimal("0"))],
        queue=ApQueue.objects.create(office=office, name="Main"),
        project=project,
        vendor=vendor,
        invoice_number="SD-1042",
        billing_date=date(2026, 11, 30),
    )


def _sync_run(office: Office) -> SyncRun:
    """A connected office (so Sync Activity shows its health card), a finished run of every
    flow (so each flow's name is shown), and an entities run with the counts the importers and
    exporters keep and a failed item; that run is the one toured."""
    ProcoreConnection.objects.create(
        office=office, company_id=77, company_name="Sandbox Builders Inc.", access_token="a",
        refresh_token="r", expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    for flow in FLOWS:
        SyncRun.objects.create(
            office=office, flow=flow, trigger="schedule", status=RunStatus.SUCCEEDED,
            counts={"created": 1}, ended_at=timezone.now(),
        )  # fmt: skip
    run = SyncRun.objects.create(
        office=office, flow="entities", trigger="user", status=RunStatus.PARTIAL,
        counts=ENTITY_COUNTS, ended_at=timezone.now(),
    )  # fmt: skip
    SyncItem.objects.create(
        run=run, entity="project", direction="in", procore_id=5, label="Riverside Lofts",
        outcome=Outcome.CREATED,
    )  # fmt: skip
    SyncItem.objects.create(
        run=run, entity="vendor", direction="out", object_id=1, label="Springfield Drywall",
        outcome=Outcome.FAILED, message="Vendor name has already been taken",
        fix="Link the vendor to the one Procore has.",
    )  # fmt: skip
    return run


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(demo.CONTRACTOR_EMAIL)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def _listen(page, problems: list[str], current: dict, width: int) -> None:
    """Console errors, uncaught exceptions and failed requests, filed under the page open now.
    A request aborted because the tour moved on (htmx polling) is not a failure."""

    def add(kind: str, detail: str) -> None:
        problems.append(f"{current['label']} @ {width}px: {kind}: {detail}")

    page.on("console", lambda m: m.type == "error" and add("console error", m.text))
    page.on("pageerror", lambda error: add("page error", str(error)))
    page.on(
        "requestfailed",
        lambda r: r.failure != "net::ERR_ABORTED" and add("request failed", f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and add(f"HTTP {r.status}", r.url))


def _settle(page) -> None:
    """Wait for htmx loads to finish; a page that polls may never be idle, which is fine."""
    with suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=3_000)
