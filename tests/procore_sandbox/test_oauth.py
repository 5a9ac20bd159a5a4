"""The login host: consent page, code exchange, refresh rotation, revoke and token info."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from apps.procore_sandbox import faults, oauth, registry
from apps.procore_sandbox.models import SandboxToken

from .conftest import BASE

CALLBACK = "http://127.0.0.1:8000/procore/callback/"


@pytest.fixture
def app(db):
    faults.reset_faults()
    registry.user_create()
    return registry.app_register(redirect_uris=[CALLBACK, registry.OOB_REDIRECT_URI])


def _authorize_query(app, **extra: str) -> dict[str, str]:
    return {
        "client_id": app.client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "state": "s-123",
        **extra,
    }


def _consent(client: Client, app, decision: str = "allow", **extra: str):
    user = registry.user_create()
    data = {**_authorize_query(app, **extra), "decision": decision, "user_id": user.id}
    return client.post(f"{BASE}/oauth/authorize", data)


def _code(client: Client, app) -> str:
    location = urlparse(_consent(client, app)["Location"])
    return parse_qs(location.query)["code"][0]


def _exchange(client: Client, app, code: str, **extra: str):
    data = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "code": code,
        "redirect_uri": CALLBACK,
        **extra,
    }
    return client.post(f"{BASE}/oauth/token", data)


def _refresh(client: Client, app, refresh_token: str):
    data = {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": refresh_token,
    }
    return client.post(f"{BASE}/oauth/token", data, content_type="application/json")


def test_the_consent_page_shows_the_app_and_a_user_to_consent_as(client, app):
    response = client.get(f"{BASE}/oauth/authorize", _authorize_query(app))
    assert response.status_code == 200
    assert b"Trestle" in response.content
    assert registry.DEMO_LOGIN.encode() in response.content
    assert b'value="allow"' in response.content and b'value="deny"' in response.content


def test_the_consent_form_is_csrf_protected(app):
    response = Client(enforce_csrf_checks=True).post(
        f"{BASE}/oauth/authorize", {**_authorize_query(app), "decision": "allow"}
    )
    assert response.status_code == 403


def test_allow_redirects_with_a_code_and_the_state(client, app):
    response = _consent(client, app)
    query = parse_qs(urlparse(response["Location"]).query)
    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK)
    assert query["state"] == ["s-123"] and query["code"]


def test_deny_redirects_with_access_denied_and_the_state(client, app):
    response = _consent(client, app, decision="deny")
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s-123"]


def test_an_unregistered_redirect_uri_is_never_redirected_to(client, app):
    query = _authorize_query(app, redirect_uri="https://evil.example/cb")
    response = client.get(f"{BASE}/oauth/authorize", query)
    assert response.status_code == 400
    assert "Location" not in response


def test_the_oob_redirect_shows_the_code_on_a_page(client, app):
    response = _consent(client, app, redirect_uri=registry.OOB_REDIRECT_URI)
    assert response.status_code == 200 and b'id="code"' in response.content


def test_a_code_gives_tokens_once(client, app):
    code = _code(client, app)
    first = _exchange(client, app, code)
    second = _exchange(client, app, code)
    body = first.json()
    assert first.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 5400
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "created_at"}
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_a_code_expires_after_ten_minutes(client, app):
    with freeze_time(timezone.now() - timedelta(minutes=11)):
        code = _code(client, app)
    assert _exchange(client, app, code).json()["error"] == "invalid_grant"


def test_a_code_needs_the_same_redirect_uri_and_the_right_secret(client, app):
    code = _code(client, app)
    wrong_uri = _exchange(client, app, code, redirect_uri="http://127.0.0.1:8000/other/")
    wrong_secret = _exchange(client, app, _code(client, app), client_secret="nope")
    assert wrong_uri.json()["error"] == "invalid_grant"
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"


def test_refresh_rotates_and_the_old_refresh_token_dies_at_once(client, app):
    tokens = _exchange(client, app, _code(client, app)).json()
    rotated = _refresh(client, app, tokens["refresh_token"])
    replay = _refresh(client, app, tokens["refresh_token"])
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    assert rotated.json()["access_token"] != tokens["access_token"]
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert _refresh(client, app, rotated.json()["refresh_token"]).status_code == 200


def test_access_token_lifetime_follows_the_run_config(client, app):
    faults.set_faults(access_token_ttl=30)
    tokens = _exchange(client, app, _code(client, app)).json()
    assert tokens["expires_in"] == 30


def test_revoking_the_access_token_kills_the_refresh_token(client, app):
    tokens = _exchange(client, app, _code(client, app)).json()
    data = {"token": tokens["access_token"], "client_id": app.client_id}
    revoked = client.post(f"{BASE}/oauth/revoke", {**data, "client_secret": app.client_secret})
    unknown = client.post(
        f"{BASE}/oauth/revoke", {**data, "token": "nope", "client_secret": app.client_secret}
    )
    me = client.get(
        f"{BASE}/rest/v1.0/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert revoked.status_code == 200 and unknown.status_code == 200
    assert me.status_code == 401
    assert _refresh(client, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_token_info_describes_the_bearer(client, app):
    token = oauth.token_issue(app=app, user=registry.user_create())
    info = client.get(
        f"{BASE}/oauth/token/info", headers={"Authorization": f"Bearer {token.access_token}"}
    )
    bad = client.get(f"{BASE}/oauth/token/info", headers={"Authorization": "Bearer nope"})
    assert info.json()["resource_owner_id"] == token.user_id
    assert info.json()["application"] == {"uid": app.client_id}
    assert 5390 < info.json()["expires_in_seconds"] <= 5400
    assert bad.status_code == 401


def test_early_expiry_ends_live_access_tokens(client, app):
    token = oauth.token_issue(app=app, user=registry.user_create())
    faults.expire_access_tokens()
    me = client.get(
        f"{BASE}/rest/v1.0/me", headers={"Authorization": f"Bearer {token.access_token}"}
    )
    assert me.status_code == 401
    assert SandboxToken.objects.get(id=token.id).refresh_used_at is None


def test_unsupported_grant_types_are_refused(client, app):
    data = {
        "grant_type": "password",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    response = client.post(f"{BASE}/oauth/token", data)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_without_a_state_none_is_echoed(client, app):
    query = {k: v for k, v in _authorize_query(app).items() if k != "state"}
    page = client.get(f"{BASE}/oauth/authorize", query)
    user = registry.user_create()
    answer = client.post(
        f"{BASE}/oauth/authorize", {**query, "decision": "allow", "user_id": user.id}
    )
    assert b'name="state"' not in page.content
    assert "state" not in parse_qs(urlparse(answer["Location"]).query)
