"""An owner keeps Sync Activity open: a run that fails elsewhere appears with its Retry, and the
connection card's answer counts move, without a reload (issue 17 §4)."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from apps.procore_sync.client import answer_counts
from apps.procore_sync.engine_models import RunStatus, SyncRun
from apps.procore_sync.models import ProcoreConnection

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_shows_a_new_failed_run_and_new_answers_without_a_reload(
    page, tenant, screenshot, settings
):
    # Answer counts are keyed by connection id, and ids restart with each test database.
    cache = settings.CACHES["default"]
    settings.CACHES = {
        "default": {**cache, "KEY_PREFIX": f"{cache.get('KEY_PREFIX', '')}-{uuid4().hex}"}
    }
    connection = ProcoreConnection.objects.create(
        office=tenant.office, company_id=77, company_name="Acme Procore", access_token="a",
        refresh_token="r", expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    log_in(page, tenant.owner.email)
    page.goto("/sync/")
    card = page.locator(f"#health-{connection.pk}")
    assert "2xx: 0 · 4xx: 0" in card.locator(".answers-hour").inner_text()
    page.evaluate("window.notReloaded = true")

    run = SyncRun.objects.create(
        office=tenant.office, flow="entities", trigger="schedule", status=RunStatus.FAILED,
        error="Procore was down.", ended_at=timezone.now(),
    )  # fmt: skip
    for status in (200, 200, 404):
        answer_counts.count(connection.pk, status)
    page.locator(f"#run-{run.pk}").get_by_role("button", name="Retry").wait_for()
    page.get_by_text("2xx: 2 · 4xx: 1 · 5xx: 0 · no answer: 0").first.wait_for()
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "live")


def test_a_health_card_wraps_long_names_and_messages_inside_its_border(page, tenant, screenshot):
    long_word = "Procore-" + "x" * 120
    ProcoreConnection.objects.create(
        office=tenant.office, company_id=78, company_name=long_word, access_token="a",
        refresh_token="r", expires_at=timezone.now() + timedelta(hours=1),
        status_reason=f"See https://example.test/{'a' * 150} for {long_word}",
    )  # fmt: skip
    log_in(page, tenant.owner.email)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        page.goto("/sync/")
        card = page.locator("section.card.health").first
        overflow = card.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"the card overflows by {overflow}px at {width}px"
        screenshot(page, f"card-{width}")
