"""OAuth 2.0 authorization-code flow with Procore: authorize URL + state, code exchange, refresh,
revoke, and the token saver.

Environments are chosen by settings only (no code paths differ):

=================  =================================  =================================
environment        PROCORE_LOGIN_URL                  PROCORE_API_URL
=================  =================================  =================================
production         https://login.procore.com          https://api.procore.com
developer sandbox  https://login-sandbox.procore.com  https://sandbox.procore.com
embedded sandbox   <SITE_URL>/procore-sandbox         <SITE_URL>/procore-sandbox
=================  =================================  =================================

Each environment has its own PROCORE_CLIENT_ID / PROCORE_CLIENT_SECRET; tokens never cross them.

oauthlib builds the token request bodies and parses token answers (including OAuth error codes),
but the requests go through plain `requests` here: oauthlib refuses http:// URLs, which the embedded
sandbox uses under `make run`, and we want our own timeouts and logging on the token endpoint.
"""

import logging
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient

from ..models import ConnectionStatus, ProcoreConnection
from .errors import NeedsReconnect, OAuthStateError, ProcoreError, ProcoreUnavailable, RateLimited

logger = logging.getLogger(__name__)

STATE_SESSION_KEY = "procore_oauth_states"
STATE_TTL_SECONDS = 600  # Procore's authorization code itself lives 10 minutes

RECONNECT_REASON = (
    "Procore no longer accepts this connection's sign-in (it was revoked, or the Procore user "
    "lost access). An owner or admin must reconnect Procore in Settings → Procore."
)


class TokenRejected(ProcoreError):
    """The token endpoint refused the grant (dead refresh token, used or expired code)."""


def _oauth() -> WebApplicationClient:
    return WebApplicationClient(settings.PROCORE_CLIENT_ID)


# --- state ---------------------------------------------------------------------------------


def authorize_url(request: HttpRequest, *, office_id: int) -> str:
    """Procore's consent URL, with a fresh `state` bound to this session, user and office."""
    now = time.time()
    state = secrets.token_urlsafe(32)
    pending = {s: v for s, v in request.session.get(STATE_SESSION_KEY, {}).items() if v[2] > now}
    pending[state] = (request.user.pk, office_id, now + STATE_TTL_SECONDS)
    request.session[STATE_SESSION_KEY] = pending
    query = {
        "response_type": "code",
        "client_id": settings.PROCORE_CLIENT_ID,
        "redirect_uri": settings.PROCORE_REDIRECT_URI,
        "state": state,
    }
    return f"{settings.PROCORE_LOGIN_URL}/oauth/authorize?{urlencode(query)}"


def consume_state(request: HttpRequest, state: str | None) -> int:
    """The office id the callback's `state` was issued for; usable once. Raises OAuthStateError."""
    pending = request.session.get(STATE_SESSION_KEY, {})
    entry = pending.pop(state, None) if state else None
    request.session[STATE_SESSION_KEY] = pending  # a state is spent even when the check fails
    if not state:
        raise OAuthStateError("The Procore sign-in came back without a state. Start again.")
    if entry is None:
        raise OAuthStateError(
            "This Procore sign-in was already used or was not started in this browser session."
        )
    user_id, office_id, expires = entry
    if user_id != request.user.pk:
        raise OAuthStateError("This Procore sign-in was started by another user.")
    if expires <= time.time():
        raise OAuthStateError("This Procore sign-in took too long and expired. Start again.")
    return office_id


# --- token endpoint -------------------------------------------------------------------------


def _token_request(body: str, grant: str) -> dict[str, Any]:
    """POST to /oauth/token; never logs or raises with the body (it holds codes and secrets)."""
    started = time.monotonic()
    try:
        response = requests.post(
            f"{settings.PROCORE_LOGIN_URL}/oauth/token",
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout=settings.PROCORE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        logger.warning("procore POST /oauth/token (%s) failed: %s", grant, type(exc).__name__)
        raise ProcoreUnavailable("Procore's sign-in service did not answer.") from None
    ms = int((time.monotonic() - started) * 1000)
    logger.info("procore POST /oauth/token (%s) -> %s in %dms", grant, response.status_code, ms)
    return _token_from(response)


def _token_from(response: requests.Response) -> dict[str, Any]:
    if response.status_code == 429:
        raise RateLimited(status=429)
    if response.status_code >= 500:
        raise ProcoreUnavailable("Procore's sign-in service failed.", status=response.status_code)
    try:
        return dict(_oauth().parse_request_body_response(response.text))
    except OAuth2Error as exc:
        error = exc.error
    except ValueError:  # neither JSON nor form-encoded: an HTML error page
        error = "unreadable_answer"
    if error == "invalid_client":
        raise ProcoreError(
            "Procore rejected Trestle's app credentials (PROCORE_CLIENT_ID/SECRET).",
            status=response.status_code,
        )
    if response.status_code in (400, 401) or error == "invalid_grant":
        raise TokenRejected(error, status=response.status_code)
    raise ProcoreUnavailable(
        "Procore's sign-in service gave an unexpected answer.", status=response.status_code
    )


def exchange_code(code: str) -> dict[str, Any]:
    """Trade the callback's one-time code for tokens (`access_token`, `refresh_token`, ...)."""
    body = _oauth().prepare_request_body(
        code=code,
        redirect_uri=settings.PROCORE_REDIRECT_URI,
        client_secret=settings.PROCORE_CLIENT_SECRET,
        include_client_id=True,
    )
    try:
        return _token_request(body, "authorization_code")
    except TokenRejected:
        raise NeedsReconnect(
            "Procore did not accept the sign-in (it expired or was already used). Connect again."
        ) from None


def save_tokens(connection: ProcoreConnection, token: dict[str, Any]) -> None:
    """Store a token answer on the row; call inside the transaction that holds its lock."""
    connection.access_token = token["access_token"]
    connection.refresh_token = token.get("refresh_token", "")
    connection.expires_at = timezone.now() + timedelta(seconds=int(token.get("expires_in", 5400)))
    connection.last_refreshed_at = timezone.now()
    connection.save(
        update_fields=["access_token", "refresh_token", "expires_at", "last_refreshed_at"]
    )


def refresh_access_token(
    connection_id: int, *, rejected_token: str | None = None
) -> ProcoreConnection:
    """The connection with a usable access token, refreshing it at most once across all workers.

    Procore refresh tokens are single-use, so the refresh runs under a row lock: whoever gets the
    lock re-reads the row and refreshes only if the token is still stale (or is the one Procore
    just rejected with 401); everyone else finds the new token when the lock is released.
    If the refresh answer is lost (timeout), Procore may already have spent the refresh token:
    the next attempt then gets invalid_grant and the connection asks for a reconnect.
    """
    with transaction.atomic():
        connection = ProcoreConnection.objects.select_for_update().get(pk=connection_id)
        if connection.status != ConnectionStatus.CONNECTED:
            raise NeedsReconnect(connection.status_reason or RECONNECT_REASON)
        if not connection.token_is_stale() and connection.access_token != rejected_token:
            return connection
        body = _oauth().prepare_refresh_body(
            refresh_token=connection.refresh_token,
            client_id=settings.PROCORE_CLIENT_ID,
            client_secret=settings.PROCORE_CLIENT_SECRET,
        )
        try:
            save_tokens(connection, _token_request(body, "refresh_token"))
            return connection
        except TokenRejected:
            pass  # marked below, outside the transaction, so the mark is not rolled back
    connection.mark_needs_reconnect(RECONNECT_REASON)
    raise NeedsReconnect(RECONNECT_REASON)


def revoke(connection: ProcoreConnection) -> None:
    """Revoke the grant at Procore (access and refresh token). Procore answers 200 either way."""
    token = connection.access_token or connection.refresh_token
    if not token:
        return
    try:
        response = requests.post(
            f"{settings.PROCORE_LOGIN_URL}/oauth/revoke",
            data={
                "token": token,
                "client_id": settings.PROCORE_CLIENT_ID,
                "client_secret": settings.PROCORE_CLIENT_SECRET,
            },
            timeout=settings.PROCORE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        logger.warning("procore POST /oauth/revoke failed: %s", type(exc).__name__)
        raise ProcoreUnavailable("Procore's sign-in service did not answer.") from None
    logger.info("procore POST /oauth/revoke -> %s", response.status_code)
