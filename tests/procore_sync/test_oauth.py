"""OAuth: state bound to session, user and office; code exchange; single-flight refresh."""

import json
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone
from freezegun import freeze_time

from apps.accounts.models import AuditEntry
from apps.procore_sync.client import oauth
from apps.procore_sync.client.errors import NeedsReconnect, OAuthStateError, ProcoreUnavailable
from apps.procore_sync.models import ConnectionStatus

from .conftest import API, LOGIN, REFRESH, concurrent_gets, make_connection

TOKEN_URL = f"{LOGIN}/oauth/token"


@pytest.fixture
def session_request(tenant):
    def make(user=None, session=None):
        request = RequestFactory().get("/procore/callback/")
        request.session = session if session is not None else SessionStore()
        request.user = user or tenant.owner
        return request

    return make


def state_of(authorize_url: str) -> str:
    return parse_qs(urlsplit(authorize_url).query)["state"][0]


def test_the_authorize_url_carries_client_redirect_and_state(session_request, tenant, settings):
    request = session_request()
    url = oauth.authorize_url(request, office_id=tenant.office.pk)
    assert url.startswith(f"{LOGIN}/oauth/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [settings.PROCORE_CLIENT_ID]
    assert query["redirect_uri"] == [settings.PROCORE_REDIRECT_URI]
    assert len(query["state"][0]) >= 40
    assert oauth.consume_state(request, query["state"][0]) == tenant.office.pk


def test_a_missing_state_is_refused(session_request, tenant):
    request = session_request()
    oauth.authorize_url(request, office_id=tenant.office.pk)
    for missing in (None, ""):
        with pytest.raises(OAuthStateError):
            oauth.consume_state(request, missing)


def test_a_mismatched_state_is_refused(session_request, tenant):
    request = session_request()
    oauth.authorize_url(request, office_id=tenant.office.pk)
    with pytest.raises(OAuthStateError):
        oauth.consume_state(request, "forged-state")


def test_a_replayed_state_is_refused(session_request, tenant):
    request = session_request()
    state = state_of(oauth.authorize_url(request, office_id=tenant.office.pk))
    oauth.consume_state(request, state)
    with pytest.raises(OAuthStateError):
        oauth.consume_state(request, state)


def test_an_expired_state_is_refused(session_request, tenant):
    request = session_request()
    with freeze_time() as frozen:
        state = state_of(oauth.authorize_url(request, office_id=tenant.office.pk))
        frozen.tick(timedelta(minutes=11))
        with pytest.raises(OAuthStateError):
            oauth.consume_state(request, state)


def test_a_state_from_another_session_or_user_is_refused(session_request, tenant, outsider):
    state = state_of(oauth.authorize_url(session_request(), office_id=tenant.office.pk))
    with pytest.raises(OAuthStateError):
        oauth.consume_state(session_request(), state)  # a different browser session

    request = session_request()
    state = state_of(oauth.authorize_url(request, office_id=tenant.office.pk))
    with pytest.raises(OAuthStateError):
        oauth.consume_state(session_request(user=outsider.owner, session=request.session), state)


def token_answer(n: int) -> dict:
    return {
        "access_token": f"access-{n}",
        "refresh_token": f"refresh-{n}",
        "token_type": "bearer",
        "expires_in": 5400,
        "created_at": int(time.time()),
    }


@responses.activate
def test_the_code_is_exchanged_for_tokens(settings):
    responses.post(TOKEN_URL, json=token_answer(1))
    token = oauth.exchange_code("the-code")
    assert (token["access_token"], token["refresh_token"]) == ("access-1", "refresh-1")
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code"] == ["the-code"]
    assert sent["client_id"] == [settings.PROCORE_CLIENT_ID]
    assert sent["client_secret"] == [settings.PROCORE_CLIENT_SECRET]
    assert sent["redirect_uri"] == [settings.PROCORE_REDIRECT_URI]


@responses.activate
def test_a_used_code_asks_the_user_to_connect_again():
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(NeedsReconnect, match="Connect again"):
        oauth.exchange_code("used-code")


@responses.activate
def test_invalid_grant_on_refresh_marks_the_connection_needs_reconnect(tenant):
    connection = make_connection(tenant.office, expires_at=timezone.now() - timedelta(seconds=1))
    body = {"error": "invalid_grant", "error_description": "The refresh token is invalid"}
    responses.post(TOKEN_URL, status=401, json=body)
    with pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(connection.pk)
    assert "reconnect Procore" in caught.value.message
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert "owner or admin must reconnect" in connection.status_reason
    assert AuditEntry.objects.filter(action="procore.needs_reconnect").count() == 1

    with pytest.raises(NeedsReconnect):  # nothing retries it: no second token request
        oauth.refresh_access_token(connection.pk)
    assert len(responses.calls) == 1
    assert parse_qs(responses.calls[0].request.body)["refresh_token"] == [REFRESH]


@responses.activate
def test_a_fresh_token_is_not_refreshed(connection):
    assert oauth.refresh_access_token(connection.pk).access_token == connection.access_token
    assert len(responses.calls) == 0


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_32_workers_at_expiry_cause_exactly_one_refresh(tenant):
    """Procore refresh tokens are single-use: a second refresh with the old one would fail
    (RELIABILITY.md 4: 32 callers at expiry, 1 token request, 0 invalid_grant)."""
    workers = 32
    connection = make_connection(tenant.office, expires_at=timezone.now() - timedelta(seconds=1))
    live = {"refresh": REFRESH, "access": None, "rejected": 0}
    lock = threading.Lock()

    def token(request):
        sent = parse_qs(request.body)["refresh_token"][0]
        time.sleep(0.2)  # a slow answer widens the window for a race
        with lock:
            if sent != live["refresh"]:
                live["rejected"] += 1
                return 400, {}, json.dumps({"error": "invalid_grant"})
            answer = token_answer(2)
            live.update(refresh=answer["refresh_token"], access=answer["access_token"])
        return 200, {}, json.dumps(answer)

    used: list[str] = []
    responses.add_callback(responses.POST, TOKEN_URL, callback=token)
    responses.add_callback(
        responses.GET,
        f"{API}/rest/v1.0/me",
        callback=lambda r: (used.append(r.headers["Authorization"]) or 200, {}, "{}"),
    )
    failures = concurrent_gets(connection, workers)

    assert failures == []
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1
    assert live["rejected"] == 0
    assert used == ["Bearer access-2"] * workers
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("access-2", "refresh-2")
    assert connection.status == ConnectionStatus.CONNECTED


@pytest.mark.parametrize(
    ("status", "body", "marked"),
    [
        (400, "<html>Bad request</html>", True),
        (401, '{"message": "The refresh token is invalid"}', True),
        (200, "<html>maintenance page</html>", False),
        (502, "<html>bad gateway</html>", False),
    ],
)
@responses.activate
def test_only_a_refused_grant_marks_the_connection(tenant, fake_time, status, body, marked):
    connection = make_connection(tenant.office, expires_at=timezone.now() - timedelta(seconds=1))
    responses.post(TOKEN_URL, status=status, body=body)
    retry = oauth.TokenRetry(sleep=fake_time.sleep)
    with pytest.raises(NeedsReconnect if marked else ProcoreUnavailable):
        oauth.refresh_access_token(connection.pk, retry=retry)
    connection.refresh_from_db()
    assert (connection.status == ConnectionStatus.NEEDS_RECONNECT) is marked
    assert connection.refresh_token == REFRESH  # a failed refresh never overwrites the token
