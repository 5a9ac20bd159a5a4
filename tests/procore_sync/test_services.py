"""Connecting and disconnecting an office."""

from urllib.parse import parse_qs

import pytest
import responses
from django.core.cache import cache

from apps.accounts.models import AuditEntry
from apps.procore_sync.client.circuit import CircuitBreaker
from apps.procore_sync.client.errors import PermissionDenied, ProcoreUnavailable
from apps.procore_sync.models import ConnectionStatus, ProcoreConnection
from apps.procore_sync.services import (
    connection_choose_company,
    connection_connect,
    connection_disconnect,
)

from .conftest import ACCESS, API, LOGIN, make_connection

TOKEN = {"access_token": "a-1", "refresh_token": "r-1", "token_type": "bearer", "expires_in": 5400}


@responses.activate
def test_connect_stores_the_grant_and_the_procore_user(tenant):
    responses.get(f"{API}/rest/v1.0/me", json={"id": 2**40, "login": "pm@acme.test"})
    connection = connection_connect(office=tenant.office, user=tenant.owner, token=TOKEN)
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("a-1", "r-1")
    assert (connection.procore_user_id, connection.procore_user_login) == (2**40, "pm@acme.test")
    assert connection.connected_by == tenant.owner
    assert "Procore-Company-Id" not in responses.calls[0].request.headers  # no company yet
    assert AuditEntry.objects.filter(action="procore.connected").count() == 1

    connection.mark_needs_reconnect("gone")
    connection_connect(office=tenant.office, user=tenant.owner, token=TOKEN)
    live = ProcoreConnection.objects.for_account(tenant.account).get()
    assert (live.pk, live.status) == (connection.pk, ConnectionStatus.CONNECTED)


@responses.activate
def test_disconnect_revokes_and_forgets_the_tokens(connection, tenant, settings):
    responses.post(f"{LOGIN}/oauth/revoke", status=200)
    connection_disconnect(connection=connection, user=tenant.owner)
    (revoke,) = [c for c in responses.calls if c.request.url.endswith("/oauth/revoke")]
    assert parse_qs(revoke.request.body)["token"] == [ACCESS]
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.access_token == connection.refresh_token == ""


def test_connections_are_scoped_to_their_account(connection, tenant, outsider):
    assert list(ProcoreConnection.objects.for_account(tenant.account)) == [connection]
    assert not ProcoreConnection.objects.for_account(outsider.account).exists()


@responses.activate
def test_repeated_5xx_opens_the_circuit_for_every_worker(connection, make_client, fake_time):
    responses.get(f"{API}/rest/v1.0/me", status=502)
    for _ in range(2):  # 2 calls x 5 attempts = 10 consecutive failures
        with pytest.raises(ProcoreUnavailable):
            make_client(connection).get("/rest/v1.0/me")
    calls = len(responses.calls)
    with pytest.raises(ProcoreUnavailable, match="paused"):
        make_client(connection).get("/rest/v1.0/me")
    assert len(responses.calls) == calls  # nothing sent while open

    breaker = CircuitBreaker(connection.pk)
    cache.delete(breaker.open_key)  # the cooldown has passed: the next call is the probe
    responses.replace(responses.GET, f"{API}/rest/v1.0/me", json={"id": 1})
    assert make_client(connection).get("/rest/v1.0/me") == {"id": 1}
    assert cache.get(breaker.failures_key) is None  # closed again


@responses.activate
def test_only_a_company_the_procore_user_sees_can_be_chosen(tenant):
    connection = make_connection(tenant.office, company_id=None, company_name="")
    mine = {"id": 2**45, "name": "Acme Procore", "is_active": True}
    responses.get(f"{API}/rest/v1.0/companies", json=[mine])

    with pytest.raises(PermissionDenied):
        connection_choose_company(connection=connection, company_id=2**45 + 1, user=tenant.owner)
    connection.refresh_from_db()
    assert connection.company_id is None

    connection_choose_company(connection=connection, company_id=2**45, user=tenant.owner)
    connection.refresh_from_db()
    assert (connection.company_id, connection.company_name) == (2**45, "Acme Procore")
