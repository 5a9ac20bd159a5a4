"""The token endpoint: what is retried, what a lost answer means, who is told, and how soon a
short-lived token is refreshed. Sleeps and jitter are injected, so every wait is pinned."""

import json
import logging
import smtplib
import socket
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.utils import timezone
from freezegun import freeze_time

from apps.accounts.models import AuditEntry, Role
from apps.procore_sync import notifications
from apps.procore_sync.client import oauth
from apps.procore_sync.client.errors import NeedsReconnect, ProcoreUnavailable, RateLimited
from apps.procore_sync.models import ConnectionStatus, ProcoreConnection

from .conftest import ACCESS, API, LOGIN, REFRESH, concurrent_gets, make_connection

TOKEN_URL = f"{LOGIN}/oauth/token"
ME = f"{API}/rest/v1.0/me"
INVALID_GRANT = {"error": "invalid_grant", "error_description": "The refresh token is invalid"}


def token_answer(n: int, expires_in: int = 5400) -> dict:
    return {
        "access_token": f"access-SECRET-{n}",
        "refresh_token": f"refresh-SECRET-{n}",
        "token_type": "bearer",
        "expires_in": expires_in,
        "created_at": int(time.time()),
    }


@pytest.fixture
def retry(fake_time) -> oauth.TokenRetry:
    return oauth.TokenRetry(sleep=fake_time.sleep, jitter=lambda: 1.0)


@pytest.fixture
def expired(tenant) -> ProcoreConnection:
    return make_connection(tenant.office, expires_at=timezone.now() - timedelta(seconds=1))


def sent_refresh_tokens() -> list[str]:
    return [parse_qs(c.request.body)["refresh_token"][0] for c in responses.calls]


# --- what is retried ------------------------------------------------------------------------


@responses.activate
def test_a_request_that_never_reached_procore_is_sent_again(expired, retry, fake_time):
    responses.post(TOKEN_URL, body=requests.ConnectTimeout())
    responses.post(TOKEN_URL, json=token_answer(2))
    connection = oauth.refresh_access_token(expired.pk, retry=retry)
    assert connection.access_token == "access-SECRET-2"
    assert sent_refresh_tokens() == [REFRESH, REFRESH]
    assert fake_time.sleeps == [0.5]


def test_a_refused_connection_is_retried_with_backoff_then_reported_unavailable(
    expired, retry, fake_time, settings
):
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PROCORE_LOGIN_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(ProcoreUnavailable) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert type(caught.value) is ProcoreUnavailable  # surely not applied: not an unknown outcome
    assert fake_time.sleeps == [0.5, 1.0]  # three attempts
    expired.refresh_from_db()
    assert (expired.status, expired.refresh_token) == (ConnectionStatus.CONNECTED, REFRESH)


@pytest.mark.parametrize(
    ("status", "headers", "sleeps"),
    [
        (503, {"Retry-After": "2"}, [2.0]),  # Procore's heavy-load answer: wait as told
        (503, {}, [0.5]),
        (429, {"Retry-After": "3"}, [3.0]),
        (429, {}, [0.5]),
    ],
)
@responses.activate
def test_429_and_503_are_retried_honouring_retry_after(
    expired, retry, fake_time, status, headers, sleeps
):
    responses.post(TOKEN_URL, status=status, headers=headers, body="busy")
    responses.post(TOKEN_URL, json=token_answer(2))
    assert oauth.refresh_access_token(expired.pk, retry=retry).access_token == "access-SECRET-2"
    assert fake_time.sleeps == sleeps


@pytest.mark.parametrize(("status", "error"), [(503, ProcoreUnavailable), (429, RateLimited)])
@responses.activate
def test_a_retry_after_beyond_the_bound_is_not_waited_for(expired, retry, fake_time, status, error):
    responses.post(TOKEN_URL, status=status, headers={"Retry-After": "600"}, body="busy")
    with pytest.raises(error):
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert (len(responses.calls), fake_time.sleeps) == (1, [])  # the row lock is not held 10 min
    expired.refresh_from_db()
    assert expired.status == ConnectionStatus.CONNECTED


@pytest.mark.parametrize(
    ("jitter", "max_attempts", "sleeps"),
    [
        (1.0, 3, [0.5, 1.0]),
        (1.0, 6, [0.5, 1.0, 2.0, 4.0, 4.0]),  # capped at 4 s
        (0.25, 3, [0.125, 0.25]),  # full jitter: a share of the capped step
    ],
)
@responses.activate
def test_the_backoff_is_capped_exponential_with_full_jitter(
    expired, fake_time, jitter, max_attempts, sleeps
):
    responses.post(TOKEN_URL, status=503, body="busy")
    retry = oauth.TokenRetry(
        max_attempts=max_attempts, sleep=fake_time.sleep, jitter=lambda: jitter
    )
    with pytest.raises(ProcoreUnavailable):
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert len(responses.calls) == max_attempts
    assert fake_time.sleeps == sleeps


@responses.activate
def test_a_lost_answer_is_sent_again_once_and_a_successful_resend_is_kept(expired, retry):
    responses.post(TOKEN_URL, status=502, body="<html>bad gateway</html>")
    responses.post(TOKEN_URL, json=token_answer(2))
    assert oauth.refresh_access_token(expired.pk, retry=retry).access_token == "access-SECRET-2"
    expired.refresh_from_db()
    assert expired.status == ConnectionStatus.CONNECTED
    assert expired.refresh_token == "refresh-SECRET-2"


@responses.activate
def test_two_unknown_outcomes_end_the_retries_without_marking_the_connection(
    expired, retry, fake_time
):
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    with pytest.raises(oauth.TokenOutcomeUnknown) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert isinstance(caught.value, ProcoreUnavailable)  # callers: "try again later"
    assert (len(responses.calls), fake_time.sleeps) == (2, [0.5])
    expired.refresh_from_db()
    assert (expired.status, expired.refresh_token) == (ConnectionStatus.CONNECTED, REFRESH)


# --- what a refused refresh token means, and who is told -------------------------------------


@pytest.fixture
def admins(tenant, outsider) -> list[str]:
    tenant.member(Role.PROJECT_MANAGER)  # not told: cannot reconnect
    return sorted([tenant.owner.email, tenant.member(Role.ADMIN).email])


def reconnect_link(settings, office) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/settings/offices/{office.pk}/integrations/"


LOST_ANSWERS = {
    "read timeout": {"body": requests.ReadTimeout()},
    "connection reset": {"body": requests.ConnectionError(ConnectionResetError(104, "reset"))},
    "500": {"status": 500, "body": "oops"},
    "502": {"status": 502, "body": "<html>bad gateway</html>"},
    "504": {"status": 504, "body": "<html>gateway timeout</html>"},
    "unreadable 200": {"status": 200, "body": '{"access_token": "access-SEC'},
    "refresh token a number": {
        "status": 200,
        "json": {"access_token": "a-1", "refresh_token": 12345, "expires_in": 5400},
    },
    "scope an object": {
        "status": 200,
        "json": {"access_token": "a-1", "refresh_token": "r-1", "scope": {"x": 1}},
    },
    "lifetime not a number": {
        "status": 200,
        "json": {"access_token": "a-1", "refresh_token": "r-1", "expires_in": "not a number"},
    },
}


@pytest.mark.parametrize("lost", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
@responses.activate
def test_a_lost_answer_then_invalid_grant_says_the_answer_was_lost_and_mails_the_admins(
    expired,
    retry,
    admins,
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
    tenant,
    lost,
):
    responses.post(TOKEN_URL, **lost)
    responses.post(TOKEN_URL, status=400, json=INVALID_GRANT)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)

    assert caught.value.message == oauth.ANSWER_LOST_REASON
    assert sent_refresh_tokens() == [REFRESH, REFRESH]  # the same token: no extra cost
    expired.refresh_from_db()
    assert expired.status == ConnectionStatus.NEEDS_RECONNECT
    assert "answer never reached Trestle" in expired.status_reason
    assert "work only once" in expired.status_reason
    assert "revoked" not in expired.status_reason
    (mail,) = mailoutbox
    assert sorted(mail.to) == admins
    assert "answer never reached Trestle" in mail.body
    assert reconnect_link(settings, tenant.office) in mail.body
    assert AuditEntry.objects.filter(action="procore.needs_reconnect").count() == 1


@responses.activate
def test_a_plain_invalid_grant_says_access_was_revoked(
    expired, retry, fake_time, admins, mailoutbox, django_capture_on_commit_callbacks, settings
):
    responses.post(TOKEN_URL, status=401, json=INVALID_GRANT)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert caught.value.message == oauth.RECONNECT_REASON
    assert (len(responses.calls), fake_time.sleeps) == (1, [])  # a refusal is never retried
    expired.refresh_from_db()
    assert "revoked" in expired.status_reason
    assert "never reached" not in expired.status_reason
    (mail,) = mailoutbox
    assert "revoked" in mail.body and reconnect_link(settings, expired.office) in mail.body


@responses.activate
def test_a_refusal_after_an_earlier_call_gave_up_unanswered_is_a_lost_answer(expired, retry):
    """The unknown outcome is remembered across calls (and workers) for that refresh token."""
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    with pytest.raises(oauth.TokenOutcomeUnknown):
        oauth.refresh_access_token(expired.pk, retry=retry)

    responses.replace(responses.POST, TOKEN_URL, status=400, json=INVALID_GRANT)
    with pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert caught.value.message == oauth.ANSWER_LOST_REASON


@responses.activate
def test_the_memory_of_an_unanswered_refresh_ends_with_its_refresh_token(expired, retry):
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    responses.post(TOKEN_URL, json=token_answer(2))  # the first two were never applied
    responses.post(TOKEN_URL, status=400, json=INVALID_GRANT)  # later, access is revoked
    with pytest.raises(oauth.TokenOutcomeUnknown):
        oauth.refresh_access_token(expired.pk, retry=retry)
    oauth.refresh_access_token(expired.pk, retry=retry)

    ProcoreConnection.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    with pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)
    assert caught.value.message == oauth.RECONNECT_REASON


def test_only_the_call_that_changes_the_status_records_and_mails(
    connection, admins, mailoutbox, django_capture_on_commit_callbacks
):
    other_worker = ProcoreConnection.objects.get(pk=connection.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert connection.mark_needs_reconnect("first reason") is True
        assert other_worker.mark_needs_reconnect("second reason") is False
    assert other_worker.status_reason == "first reason"
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(action="procore.needs_reconnect").count() == 1


def test_a_disconnected_connection_is_not_marked_nor_mailed(
    connection, mailoutbox, django_capture_on_commit_callbacks
):
    ProcoreConnection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.DISCONNECTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert connection.mark_needs_reconnect("gone") is False
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert mailoutbox == []


def test_a_mail_server_that_is_down_does_not_undo_the_mark(
    connection, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(notifications, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert connection.mark_needs_reconnect(oauth.RECONNECT_REASON) is True
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_eight_workers_finding_a_dead_grant_ask_procore_once_and_mail_once(tenant, mailoutbox):
    connection = make_connection(tenant.office, expires_at=timezone.now() - timedelta(seconds=1))

    def refuse(request):
        time.sleep(0.2)  # a slow answer widens the window for a race
        return 400, {}, json.dumps(INVALID_GRANT)

    responses.add_callback(responses.POST, TOKEN_URL, callback=refuse)
    failures = concurrent_gets(connection, 8)

    assert [type(f) for f in failures] == [NeedsReconnect] * 8
    assert len(responses.calls) == 1  # the mark is made under the lock the others wait on
    assert len(mailoutbox) == 1
    assert AuditEntry.objects.filter(action="procore.needs_reconnect").count() == 1


# --- the code exchange ----------------------------------------------------------------------


@responses.activate
def test_the_code_exchange_is_retried_when_it_never_reached_procore(retry, fake_time):
    responses.post(TOKEN_URL, body=requests.ConnectTimeout())
    responses.post(TOKEN_URL, status=503, headers={"Retry-After": "1"}, body="busy")
    responses.post(TOKEN_URL, json=token_answer(1))
    assert oauth.exchange_code("the-code", retry=retry)["access_token"] == "access-SECRET-1"
    assert fake_time.sleeps == [0.5, 1.0]


@responses.activate
def test_a_code_refused_after_a_lost_answer_says_so(retry):
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(NeedsReconnect) as caught:
        oauth.exchange_code("the-code", retry=retry)
    assert caught.value.message == oauth.CODE_ANSWER_LOST
    assert [parse_qs(c.request.body)["code"] for c in responses.calls] == [["the-code"]] * 2


# --- the expiry margin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "margin"),
    [(5400, 120), (480, 120), (300, 75), (60, 15), (0, 0)],
)
def test_the_expiry_margin_is_a_quarter_of_a_short_lifetime(connection, lifetime, margin):
    oauth.save_tokens(connection, {**token_answer(1), "expires_in": lifetime})
    assert connection.expiry_margin() == timedelta(seconds=margin)


def test_without_a_known_lifetime_the_margin_is_the_default(tenant):
    assert make_connection(tenant.office).expiry_margin() == timedelta(seconds=120)


@responses.activate
def test_a_60_second_token_is_refreshed_once_not_before_every_request(tenant, make_client):
    responses.get(ME, json={"id": 1})
    responses.post(TOKEN_URL, json=token_answer(2, expires_in=60))
    with freeze_time() as frozen:
        connection = make_connection(tenant.office)
        oauth.save_tokens(connection, token_answer(1, expires_in=60))
        client = make_client(connection)
        for _ in range(10):
            client.get("/rest/v1.0/me")
        frozen.tick(timedelta(seconds=50))  # within the last quarter of its life: refreshed
        for _ in range(10):
            client.get("/rest/v1.0/me")
        frozen.tick(timedelta(seconds=30))  # the new token has 30 of its 60 s left
        for _ in range(10):
            client.get("/rest/v1.0/me")
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1
    used = {c.request.headers["Authorization"] for c in responses.calls if c.request.url == ME}
    assert used == {"Bearer access-SECRET-1", "Bearer access-SECRET-2"}


# --- secrets --------------------------------------------------------------------------------


@responses.activate
def test_no_token_or_secret_reaches_logs_messages_audit_or_mail(
    expired, retry, caplog, settings, admins, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    responses.post(TOKEN_URL, body=requests.ConnectTimeout())
    responses.post(TOKEN_URL, status=503, body="busy")
    responses.post(TOKEN_URL, json=token_answer(2))
    oauth.refresh_access_token(expired.pk, retry=retry)
    ProcoreConnection.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    responses.post(TOKEN_URL, body=requests.ReadTimeout())
    responses.post(TOKEN_URL, status=400, json=INVALID_GRANT)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NeedsReconnect) as caught:
        oauth.refresh_access_token(expired.pk, retry=retry)

    expired.refresh_from_db()
    audit = AuditEntry.objects.values_list("detail", flat=True)
    seen = [caplog.text, str(caught.value), expired.status_reason, *map(json.dumps, audit)]
    seen += [f"{m.subject}\n{m.body}" for m in mailoutbox]
    secrets = [ACCESS, REFRESH, "access-SECRET-2", "refresh-SECRET-2"]
    secrets += [settings.PROCORE_CLIENT_SECRET]
    assert mailoutbox and "POST /oauth/token" in caplog.text
    assert [s for s in secrets if any(s in text for text in seen)] == []
