"""POSTs that start work answer 202 with the run in Location, and honour `Idempotency-Key`:
a client that retries gets the same run and never starts a second one (COR pushes through the
sandbox: tests/cor_push/test_push_api.py)."""

import threading
import time
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.accounts.services import api_token_create
from apps.core.idempotency import KEY_TTL
from apps.core.models import IdempotencyKey
from apps.procore_sync import api as sync_api
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.models import ProcoreConnection

pytestmark = pytest.mark.django_db(transaction=True)
EXPORT = {"start": "2026-11-16", "end": "2026-11-20"}


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(sync_api, "enqueue_run", calls.append)
    return calls


def keyed(client: APIClient, url: str, key: str, body: dict | None = None):
    return client.post(url, body or {}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def failed_run(office) -> SyncRun:
    return SyncRun.objects.create(
        office=office,
        flow="entities",
        trigger="user",
        status="failed",
        work={"entity": "kind", "ids": ["vendors"], "done": []},
    )


def test_time_exports_and_retries_answer_202_with_location_and_replay(api_as, tenant, enqueued):
    owner = api_as(Role.OWNER)
    ProcoreConnection.objects.create(office=tenant.office, company_id=1)
    body = {"office": tenant.office.pk, **EXPORT}
    export = keyed(owner, "/api/v1/time-exports/", "export-1", body)
    assert export.status_code == 202, export.json()
    assert owner.get(export["Location"]).json()["id"] == export.json()["id"]
    assert keyed(owner, "/api/v1/time-exports/", "export-1", body).json() == export.json()

    run = failed_run(tenant.office)
    retry = keyed(owner, f"/api/v1/sync-runs/{run.pk}/retry/", "export-1")  # another endpoint
    assert retry.status_code == 202
    assert owner.get(retry["Location"]).json()["params"]["retry_of"] == run.pk
    assert keyed(owner, f"/api/v1/sync-runs/{run.pk}/retry/", "export-1").json() == retry.json()
    assert SyncRun.objects.count() == 3  # the export, the failed run and one retry


def test_over_real_http_the_location_is_a_header_a_wsgi_server_accepts(
    live_server, tenant, enqueued
):
    """wsgiref (runserver, the live server) refuses a header that is not exactly a str: DRF's
    Hyperlink once made this a 500 after the run was queued."""
    run = failed_run(tenant.office)
    _, token = api_token_create(account=tenant.account, user=tenant.owner, name="http")
    response = requests.post(
        f"{live_server.url}/api/v1/sync-runs/{run.pk}/retry/",
        headers={"Authorization": f"Token {token}", "Idempotency-Key": "http-1"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    assert response.headers["Location"].endswith(f"/api/v1/sync-runs/{response.json()['id']}/")


def test_a_refused_request_keeps_its_key_free(api_as, tenant, enqueued):
    owner = api_as(Role.OWNER)
    body = {"office": tenant.office.pk, **EXPORT}
    assert keyed(owner, "/api/v1/time-exports/", "k", body).status_code == 400  # not connected
    ProcoreConnection.objects.create(office=tenant.office, company_id=1)
    assert keyed(owner, "/api/v1/time-exports/", "k", body).status_code == 202
    assert keyed(owner, "/api/v1/time-exports/", "x" * 256, body).status_code == 400


def test_a_key_expires_after_a_day(api_as, tenant, enqueued):
    owner = api_as(Role.OWNER)
    run = failed_run(tenant.office)
    first = keyed(owner, f"/api/v1/sync-runs/{run.pk}/retry/", "daily")
    IdempotencyKey.objects.update(created_at=timezone.now() - KEY_TTL - timedelta(seconds=1))
    later = keyed(owner, f"/api/v1/sync-runs/{run.pk}/retry/", "daily")
    assert later.status_code == 202 and later.json()["id"] != first.json()["id"]


def test_two_requests_at_once_with_one_key_start_one_run(api_as, tenant, enqueued, monkeypatch):
    run = failed_run(tenant.office)
    real = sync_api.run_retry_failed

    def slow(**kwargs):  # hold the first request's transaction open while the second arrives
        time.sleep(0.5)
        return real(**kwargs)

    monkeypatch.setattr(sync_api, "run_retry_failed", slow)
    clients = [api_as(Role.OWNER), api_as(Role.OWNER)]
    barrier, answers = threading.Barrier(2), []

    def send(client: APIClient) -> None:
        barrier.wait()
        try:
            answers.append(keyed(client, f"/api/v1/sync-runs/{run.pk}/retry/", "once"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert SyncRun.objects.exclude(pk=run.pk).count() == 1


def test_another_accounts_key_never_returns_our_run(api_as, tenant, outsider, enqueued):
    ours = keyed(
        api_as(Role.OWNER), f"/api/v1/sync-runs/{failed_run(tenant.office).pk}/retry/", "k"
    )
    theirs_run = failed_run(outsider.office)
    _, token = api_token_create(account=outsider.account, user=outsider.owner, name="t")
    outsider_api = APIClient()
    outsider_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    theirs = keyed(outsider_api, f"/api/v1/sync-runs/{theirs_run.pk}/retry/", "k")
    assert theirs.status_code == 202 and theirs.json()["id"] != ours.json()["id"]
    assert SyncRun.objects.get(pk=theirs.json()["id"]).office == outsider.office
    # The same key on our run's path from the outsider: our run stays unknown to them.
    mine = ours.json()["params"]["retry_of"]
    assert keyed(outsider_api, f"/api/v1/sync-runs/{mine}/retry/", "k").status_code == 404
