"""The client against the embedded sandbox over real HTTP (pytest-django's live_server)."""

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.procore_sync.client import oauth, resources
from apps.procore_sync.client.errors import NeedsReconnect, OutcomeUnknown
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.models import ProcoreConnection
from apps.procore_sync.services import connection_choose_company, connection_connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(live_server, settings):
    from apps.procore_sandbox import faults, registry
    from apps.procore_sandbox import oauth as sandbox_oauth

    settings.PROCORE_LOGIN_URL = settings.PROCORE_API_URL = f"{live_server.url}/procore-sandbox"
    settings.PROCORE_TIMEOUT_SECONDS = 10
    faults.reset_faults()
    app = registry.app_register()
    user = registry.user_create()
    company = registry.company_create(name="Live Builders", users=[user])

    def code() -> str:
        """What Procore's consent page hands back to our callback."""
        redirect = settings.PROCORE_REDIRECT_URI
        return sandbox_oauth.grant_create(app=app, user=user, redirect_uri=redirect).code

    return SimpleNamespace(company=company, user=user, code=code, faults=faults)


@pytest.fixture
def live_connection(sandbox, tenant) -> ProcoreConnection:
    token = oauth.exchange_code(sandbox.code())
    connection = connection_connect(office=tenant.office, user=tenant.owner, token=token)
    return connection_choose_company(
        connection=connection, company_id=sandbox.company.id, user=tenant.owner
    )


def test_the_code_is_exchanged_and_the_procore_user_recorded(sandbox, live_connection):
    live_connection.refresh_from_db()
    assert live_connection.procore_user_id == sandbox.user.id
    assert live_connection.procore_user_login == sandbox.user.login
    assert live_connection.expires_at > timezone.now() + timedelta(minutes=80)
    companies = list(resources.companies(ProcoreClient(live_connection)))
    assert sandbox.company.id in [c["id"] for c in companies]


def test_a_used_code_is_refused(sandbox):
    code = sandbox.code()
    oauth.exchange_code(code)
    with pytest.raises(NeedsReconnect):
        oauth.exchange_code(code)


def test_refresh_rotates_both_tokens_and_the_old_refresh_token_dies(live_connection):
    before = ProcoreConnection.objects.get(pk=live_connection.pk)
    ProcoreConnection.objects.filter(pk=before.pk).update(expires_at=timezone.now())
    after = oauth.refresh_access_token(before.pk)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert resources.me(ProcoreClient(after))["id"] == after.procore_user_id

    # Procore's refresh tokens are single-use: replaying the old one is refused.
    ProcoreConnection.objects.filter(pk=before.pk).update(expires_at=timezone.now())
    stale = ProcoreConnection.objects.get(pk=before.pk)
    stale.refresh_token = before.refresh_token
    stale.save(update_fields=["refresh_token"])
    with pytest.raises(NeedsReconnect):
        oauth.refresh_access_token(before.pk)


def test_a_refresh_whose_answer_is_lost_asks_for_a_reconnect_saying_so(
    sandbox, live_connection, mailoutbox
):
    from apps.procore_sandbox.models import SandboxToken

    # Procore rotates the pair, then the connection is cut before its answer reaches us.
    sandbox.faults.set_faults(drop_after=1.0, paths=["/oauth/token"], max_faults=1)
    ProcoreConnection.objects.filter(pk=live_connection.pk).update(expires_at=timezone.now())
    retry = oauth.TokenRetry(sleep=lambda seconds: None)
    with pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(live_connection.pk, retry=retry)
    assert caught.value.message == oauth.ANSWER_LOST_REASON
    assert SandboxToken.objects.count() == 2  # Procore did issue the pair that never arrived
    live_connection.refresh_from_db()
    assert live_connection.status_reason == oauth.ANSWER_LOST_REASON
    (mail,) = mailoutbox
    assert oauth.ANSWER_LOST_REASON in mail.body


def test_a_60_second_token_is_not_refreshed_before_every_request(sandbox, tenant):
    from apps.procore_sandbox.models import SandboxToken

    sandbox.faults.set_faults(access_token_ttl=60)
    token = oauth.exchange_code(sandbox.code())
    connection = connection_connect(office=tenant.office, user=tenant.owner, token=token)
    client = ProcoreClient(connection)
    for _ in range(20):
        resources.me(client)
    assert connection.expiry_margin() == timedelta(seconds=15)
    assert SandboxToken.objects.count() == 1  # the exchange's pair, never refreshed


def test_early_token_expiry_mid_pagination_refreshes_and_continues(sandbox, live_connection):
    from apps.procore_sandbox.seed import Builder

    build = Builder(company=sandbox.company, rng=random.Random(1))
    for n in range(2_345):
        build.add("vendors", {"name": f"Vendor {n:04}", "origin_id": f"v-{n}"})
    build.flush()

    client = ProcoreClient(live_connection)
    stream = resources.vendors(client, company_id=sandbox.company.id)
    first = [next(stream) for _ in range(10)]
    sandbox.faults.expire_access_tokens()  # Procore ends the token early, mid-stream
    rest = list(stream)
    names = [v["name"] for v in first + rest]
    assert names == [f"Vendor {n:04}" for n in range(2_345)]
    live_connection.refresh_from_db()
    assert live_connection.unauthorized_count == 1


def test_a_create_whose_answer_is_lost_is_found_not_repeated(sandbox, live_connection):
    from apps.procore_sync.client.idempotent import create_idempotent, first_with_origin_id
    from apps.procore_sync.client.pages import filters

    client, company_id = ProcoreClient(live_connection), sandbox.company.id
    vendor = {"name": "Dropped Answer Supply", "origin_id": "trestle-vendor-1"}
    lost: list[bool] = []

    def lookup():
        found = resources.vendors(
            client, company_id=company_id, params=filters(origin_id="trestle-vendor-1")
        )
        return first_with_origin_id(found, "trestle-vendor-1")

    def create():
        sandbox.faults.set_faults(drop_after=1.0)  # applied, then the connection is cut
        try:
            body = {"company_id": company_id, "vendor": vendor}
            return client.post("/rest/v1.0/vendors", body)
        except OutcomeUnknown:
            lost.append(True)
            raise
        finally:
            sandbox.faults.reset_faults()

    first = create_idempotent(lookup=lookup, create=create)
    again = create_idempotent(lookup=lookup, create=create)
    assert first["id"] == again["id"]
    assert lost == [True]  # the POST's answer really was lost, once
    everyone = list(resources.vendors(client, company_id=company_id))
    assert [v["name"] for v in everyone].count("Dropped Answer Supply") == 1


@pytest.mark.slow
def test_workers_sharing_a_budget_stay_under_the_spike_limit(sandbox, live_connection):
    """4 workers, 24 calls, a 10-per-10 s spike limit: all succeed, few 429s, little idle time."""
    import threading
    import time

    from django.db import connection as db_connection

    sandbox.faults.set_faults(rate_limit_spike=10)
    failures: list[Exception] = []

    def worker():
        try:
            client = ProcoreClient(ProcoreConnection.objects.get(pk=live_connection.pk))
            for _ in range(6):
                client.get("/rest/v1.0/me")
        except Exception as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            db_connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert failures == []
    live_connection.refresh_from_db()
    windows = elapsed / 10 + 1
    assert live_connection.rate_limited_count <= 4 * windows  # at most one 429 per worker
    assert elapsed < 24 / 0.8 + 10  # >= 80% of the allowed 1/s, one window of slack
