"""The connection-health card on Sync Activity and the page's live refresh (issue 17 §4)."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.offices.models import Office
from apps.procore_sync.client import answer_counts
from apps.procore_sync.client.ratelimit import RateBudget
from apps.procore_sync.engine_models import RunStatus, SyncRun, SyncSettings, WebhookDelivery
from apps.procore_sync.webhooks import webhook_receive

from .conftest import COMPANY_ID, make_connection
from .test_ratelimit import headers

LIVE = {"HTTP_HX_REQUEST": "true"}


def page(client, **extra) -> str:
    return client.get("/sync/", **extra).content.decode()


def a_run(office, status=RunStatus.SUCCEEDED, **fields) -> SyncRun:
    return SyncRun.objects.create(
        office=office, flow="entities", trigger="user", status=status, **fields
    )


@pytest.mark.usefixtures("counter_backend")
def test_the_card_shows_the_hourly_budget_answers_and_the_last_webhook(
    owner_client, connection, tenant
):
    budget, now = RateBudget(connection.pk), time.time()
    hour_end = now - now % 3600 + 3600
    budget.settle(budget.reserve(), headers(remaining=20, reset=now + 5))  # a spike header
    budget.settle(budget.reserve(), headers(remaining=590, reset=hour_end, limit=600))
    for status in (200, 200, 404, 503, None):
        answer_counts.count(connection.pk, status)
    received = timezone.now()
    WebhookDelivery.objects.create(
        office=tenant.office, event_key="01A", resource_name="Change Events", event_type="update",
        outcome="sync", received_at=received, event_at=received - timedelta(seconds=3.5),
    )  # fmt: skip
    html = page(owner_client)
    assert "10 used, 590 left of 600, resets" in html
    assert "2xx: 2 · 4xx: 1 · 5xx: 1 · no answer: 1" in html
    assert "3.5 s after the change in Procore" in html


@pytest.mark.usefixtures("counter_backend")
def test_the_hourly_use_stays_after_the_spike_windows_end(owner_client, connection):
    budget = RateBudget(connection.pk)
    budget.settle(budget.reserve(), headers(remaining=20, reset=time.time() + 1))
    html = page(owner_client)
    assert "1 used, resets" in html and "(limit not reported yet)" in html
    assert "no request yet" not in html


def test_a_connection_without_requests_or_webhooks_says_so(owner_client, connection):
    html = page(owner_client)
    assert "0 used, resets" in html and "none received" in html


def test_a_failed_run_offers_retry_in_the_list(owner_client, connection, tenant):
    failed = a_run(tenant.office, RunStatus.FAILED, error="Procore was down.")
    done = a_run(tenant.office, counts={"created": 2})
    html = page(owner_client)
    assert f'action="/sync/runs/{failed.pk}/retry/"' in html and "Procore was down." in html
    assert f'action="/sync/runs/{done.pk}/retry/"' not in html


def test_the_page_polls_its_runs_and_cards(owner_client, connection):
    html = page(owner_client)
    assert 'hx-trigger="every 5s" data-pause-when-hidden' in html
    assert 'hx-select="#sync-runs"' in html
    assert f'hx-select-oob="#health-{connection.pk}"' in html


@pytest.mark.usefixtures("counter_backend")
def test_the_live_refresh_is_a_partial_in_a_constant_number_of_queries(
    owner_client, connection, tenant
):
    a_run(tenant.office)

    def refresh() -> tuple[str, int]:
        with CaptureQueriesContext(db_connection) as queries:
            html = page(owner_client, **LIVE)
        return html, len(queries)

    html, first = refresh()
    assert (
        "<html" not in html and 'id="sync-runs"' in html and f'id="health-{connection.pk}"' in html
    )
    assert "Run now" not in html  # the cards' forms are not re-rendered
    for n in range(20):
        a_run(tenant.office, RunStatus.FAILED if n % 2 else RunStatus.SUCCEEDED)
    yard = Office.objects.create(account=tenant.account, name="Yard", city="Waco")
    second = make_connection(yard, company_id=COMPANY_ID + 1)
    WebhookDelivery.objects.create(office=second.office, event_key="01A", outcome="sync")
    make_connection(tenant.office, status="disconnected")
    html, more = refresh()
    assert html.count("<tr id=") == 21 and f'id="health-{second.pk}"' in html
    assert more == first, f"{first} queries with one card and one run, {more} with more"
    assert first <= 8


def test_another_account_sees_none_of_the_cards_or_runs(client, connection, tenant, outsider):
    run = a_run(tenant.office, RunStatus.FAILED)
    client.force_login(outsider.owner)
    html = page(client, **LIVE)
    assert f"health-{connection.pk}" not in html and f"/sync/runs/{run.pk}/" not in html


def test_a_delivery_keeps_the_time_of_the_change_in_procore(connection, tenant):
    secret = "s3cret-for-tests"
    digest = hashlib.sha256(secret.encode()).hexdigest()
    SyncSettings.objects.update_or_create(
        office=tenant.office, defaults={"webhook_token": "tok", "webhook_secret_hash": digest}
    )
    event = {"ulid": "01B", "event_type": "update", "resource_name": "Nothing Synced",
             "company_id": COMPANY_ID, "timestamp": "2026-12-07T01:02:03.456789Z"}  # fmt: skip
    webhook_receive(token="tok", authorization=f"Bearer {secret}", event=event, enqueue=print)
    event_at = WebhookDelivery.objects.get().event_at
    assert event_at.isoformat() == "2026-12-07T01:02:03.456789+00:00"
    event |= {"ulid": "01C", "timestamp": "yesterday"}
    webhook_receive(token="tok", authorization=f"Bearer {secret}", event=event, enqueue=print)
    assert WebhookDelivery.objects.get(event_key="01C").event_at is None
