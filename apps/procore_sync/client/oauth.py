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
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from urllib3.exceptions import NewConnectionError

from ..models import ConnectionStatus, ProcoreConnection
from .errors import NeedsReconnect, OAuthStateError, ProcoreError, ProcoreUnavailable, RateLimited

logger = logging.getLogger(__name__)

STATE_SESSION_KEY = "procore_oauth_states"
STATE_TTL_SECONDS = 600  # Procore's authorization code itself lives 10 minutes

WHERE_TO_RECONNECT = "Settings → Offices → the office → Office Integrations"
RECONNECT_REASON = (
    "Procore no longer accepts this connection's sign-in (it was revoked, or the Procore user "
    f"lost access). An owner or admin must reconnect Procore ({WHERE_TO_RECONNECT})."
)
ANSWER_LOST_REASON = (
    "Procore issued new sign-in tokens, but its answer never reached Trestle. Procore's refresh "
    "tokens work only once, so the old one is spent and Procore must be reconnected: an owner or "
    f"admin can do it ({WHERE_TO_RECONNECT})."
)
CODE_REJECTED = (
    "Procore did not accept the sign-in (it expired or was already used). Connect again."
)
CODE_ANSWER_LOST = (
    "Procore accepted the sign-in, but its answer never reached Trestle, and a sign-in can be "
    "used only once. Connect again."
)

# Answers that prove Procore did not apply the request (procore-api.md §3.5: a rate limit, and
# heavy-load throttling that carries Retry-After).
NOT_APPLIED_STATUSES = frozenset({429, 503})


class TokenRejected(ProcoreError):
    """The token endpoint refused the grant (dead refresh token, used or expired code)."""


class TokenAnswerLost(TokenRejected):
    """Refused after an earlier attempt with the same grant went unanswered: that attempt spent
    the grant at Procore, and the tokens it issued never reached Trestle."""


class TokenOutcomeUnknown(ProcoreUnavailable):
    """Retries ran out with the grant's fate unknown: Procore may have spent it. To callers it is
    plain unavailability (try again later); the next try learns what happened."""

    default_message = "Procore's sign-in service did not answer."


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
# https://developers.procore.com/reference/rest/authentication?version=latest (POST /oauth/token)


@dataclass(frozen=True)
class TokenRetry:
    """Bounds of the token endpoint's retries; `sleep` and `jitter` are injectable for tests.

    Attempt n (0-based) waits `jitter() * min(cap, base * 2**n)` (capped, full jitter), or the
    Retry-After Procore sent when it is at most `max_wait` (a longer one ends the retries). A
    refresh holds the connection's row lock while it waits, so every bound is small.
    """

    max_attempts: int = 3
    base: float = 0.5
    cap: float = 4.0
    max_wait: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait else None
        return self.jitter() * min(self.cap, self.base * 2**attempt)


TOKEN_RETRY = TokenRetry()


@dataclass(frozen=True)
class _Failure:
    """An attempt worth repeating with the same grant."""

    error: ProcoreError  # what the caller gets when no attempt is left
    outcome_unknown: bool  # sent, and Procore may have spent the grant before the answer was lost
    retry_after: float | None = None  # seconds, from a 429's or 503's Retry-After


def _token_call(body: str, grant: str, retry: TokenRetry) -> dict[str, Any]:
    """POST a grant (code or refresh token) to /oauth/token, retrying only where that is safe.

    Both grants work once, so each failure is judged by whether Procore may have spent it:

    - Never sent or not applied (no connection was made; 429; 503): sent again after the backoff
      or Retry-After of `retry`, up to `retry.max_attempts` in all.
    - Outcome unknown (sent, then a read timeout, a reset connection, 500/502/504 or an unreadable
      200): Procore may have issued new tokens and spent the grant. We send the same grant once
      more. That costs nothing the first send had not: if Procore applied it, the grant is dead
      already and the resend only learns so (invalid_grant -> TokenAnswerLost: the answer was
      lost, access was not revoked); if not, the resend gets the tokens. A second unknown outcome
      ends the retries (TokenOutcomeUnknown): each one can cost a full timeout under the row lock
      and teaches nothing new.
    - Anything else (invalid_grant, invalid_client, another 4xx) is final at once.
    """
    unknown = False
    for attempt in range(retry.max_attempts):
        try:
            result = _token_attempt(body, grant)
        except TokenRejected as exc:
            if unknown:
                raise TokenAnswerLost(exc.message, status=exc.status) from None
            raise
        if not isinstance(result, _Failure):
            return result
        delay = retry.delay(attempt, result.retry_after)
        last = attempt + 1 == retry.max_attempts or (unknown and result.outcome_unknown)
        unknown = unknown or result.outcome_unknown
        if delay is None or last:
            break
        retry.sleep(delay)
    if unknown:
        raise TokenOutcomeUnknown()
    raise result.error


def _token_attempt(body: str, grant: str) -> dict[str, Any] | _Failure:
    """One POST to /oauth/token; never logs or raises with the body (it holds codes and secrets)."""
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
        error = ProcoreUnavailable("Procore's sign-in service did not answer.")
        return _Failure(error, outcome_unknown=not _never_sent(exc))
    ms = int((time.monotonic() - started) * 1000)
    logger.info("procore POST /oauth/token (%s) -> %s in %dms", grant, response.status_code, ms)
    return _token_from(response)


def _token_from(response: requests.Response) -> dict[str, Any] | _Failure:
    """The token answer, a failure worth another attempt, or a final error (raised)."""
    status = response.status_code
    if status in NOT_APPLIED_STATUSES:
        return _Failure(_refusal(status), outcome_unknown=False, retry_after=_retry_after(response))
    if status >= 500:
        error = ProcoreUnavailable("Procore's sign-in service failed.", status=status)
        return _Failure(error, outcome_unknown=True)
    try:
        return _readable(dict(_oauth().parse_request_body_response(response.text)))
    except OAuth2Error as exc:
        error_code = exc.error
    except (ValueError, TypeError, AttributeError):  # an HTML page, or fields of wrong types
        error_code = "unreadable_answer"
    if error_code == "invalid_client":
        raise ProcoreError(
            "Procore rejected Trestle's app credentials (PROCORE_CLIENT_ID/SECRET).", status=status
        )
    if status in (400, 401) or error_code == "invalid_grant":
        raise TokenRejected(error_code, status=status)
    unexpected = ProcoreUnavailable(
        "Procore's sign-in service gave an unexpected answer.", status=status
    )
    if response.ok:  # a 2xx Trestle cannot read: Procore may well have spent the grant
        return _Failure(unexpected, outcome_unknown=True)
    raise unexpected


def _readable(token: dict[str, Any]) -> dict[str, Any]:
    """A token answer whose tokens are text and whose lifetime is a number; a mangled one must
    never be saved, since the refresh token in it is the only one Procore will accept next."""
    refresh = token.get("refresh_token", "")
    if not isinstance(token.get("access_token"), str) or not token["access_token"]:
        raise ValueError("access_token")
    if not isinstance(refresh, str):
        raise ValueError("refresh_token")
    int(token.get("expires_in", 5400))
    return token


def _refusal(status: int) -> ProcoreError:
    if status == 429:
        return RateLimited("Procore's sign-in service is rate limiting Trestle.", status=status)
    return ProcoreUnavailable("Procore's sign-in service is overloaded.", status=status)


def _retry_after(response: requests.Response) -> float | None:
    """Procore's Retry-After in seconds (the form its rate-limiting page shows), if it sent one."""
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never reached Procore: no connection was ever made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None  # requests wraps urllib3's MaxRetryError
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


def exchange_code(code: str, *, retry: TokenRetry = TOKEN_RETRY) -> dict[str, Any]:
    """Trade the callback's one-time code for tokens (`access_token`, `refresh_token`, ...).

    Retried as `_token_call` says. A code is single-use like a refresh token, so a code refused
    after Procore's answer to it was lost gets its own message: the user did nothing wrong."""
    body = _oauth().prepare_request_body(
        code=code,
        redirect_uri=settings.PROCORE_REDIRECT_URI,
        client_secret=settings.PROCORE_CLIENT_SECRET,
        include_client_id=True,
    )
    try:
        return _token_call(body, "authorization_code", retry)
    except TokenAnswerLost:
        raise NeedsReconnect(CODE_ANSWER_LOST) from None
    except TokenRejected:
        raise NeedsReconnect(CODE_REJECTED) from None


def save_tokens(connection: ProcoreConnection, token: dict[str, Any]) -> None:
    """Store a token answer on the row; call inside the transaction that holds its lock.

    `expires_at` and `last_refreshed_at` come from one clock reading, so their difference is the
    lifetime Procore gave (`expires_in`), which `ProcoreConnection.expiry_margin` scales with."""
    now = timezone.now()
    connection.access_token = token["access_token"]
    connection.refresh_token = token.get("refresh_token", "")
    connection.expires_at = now + timedelta(seconds=int(token.get("expires_in", 5400)))
    connection.last_refreshed_at = now
    connection.save(
        update_fields=["access_token", "refresh_token", "expires_at", "last_refreshed_at"]
    )


def refresh_access_token(
    connection_id: int, *, rejected_token: str | None = None, retry: TokenRetry = TOKEN_RETRY
) -> ProcoreConnection:
    """The connection with a usable access token, refreshing it at most once across all workers.

    Procore refresh tokens are single-use, so the refresh runs under a row lock: whoever gets the
    lock re-reads the row and refreshes only if the token is still stale (or is the one Procore
    just rejected with 401); everyone else finds the new token when the lock is released.
    The token endpoint is retried as `_token_call` says. A refused refresh token marks the
    connection (inside the lock, so a waiting worker finds it marked rather than asking Procore
    again) with one of two reasons: the answer was lost, when an attempt with this refresh token
    went unanswered (in this call, or in an earlier one that gave up with the outcome unknown);
    otherwise revoked or lost access.
    """
    with transaction.atomic():
        connection = ProcoreConnection.objects.select_for_update().get(pk=connection_id)
        if connection.status != ConnectionStatus.CONNECTED:
            raise NeedsReconnect(connection.status_reason or RECONNECT_REASON)
        if not connection.token_is_stale() and connection.access_token != rejected_token:
            return connection
        try:
            save_tokens(connection, _token_call(_refresh_body(connection), "refresh_token", retry))
            return connection
        except TokenOutcomeUnknown:
            _remember_unanswered(connection)
            raise
        except TokenRejected as exc:
            lost = isinstance(exc, TokenAnswerLost) or _was_unanswered(connection)
            reason = ANSWER_LOST_REASON if lost else RECONNECT_REASON
            connection.mark_needs_reconnect(reason)  # handled, so the block commits the mark
    raise NeedsReconnect(reason)


def _refresh_body(connection: ProcoreConnection) -> str:
    return _oauth().prepare_refresh_body(
        refresh_token=connection.refresh_token,
        client_id=settings.PROCORE_CLIENT_ID,
        client_secret=settings.PROCORE_CLIENT_SECRET,
    )


# A refresh that gave up with its outcome unknown is remembered (shared cache, all workers) for
# the refresh token it sent, named by the time that token was stored rather than by any part of
# it, so a later invalid_grant for that same token is known to be the lost answer.
UNANSWERED_TTL_SECONDS = 90 * 24 * 3600  # refresh tokens never expire on their own


def _unanswered_key(connection: ProcoreConnection) -> str:
    return f"procore:refresh-unanswered:{connection.pk}"


def _remember_unanswered(connection: ProcoreConnection) -> None:
    stored_at = str(connection.last_refreshed_at)
    cache.set(_unanswered_key(connection), stored_at, UNANSWERED_TTL_SECONDS)


def _was_unanswered(connection: ProcoreConnection) -> bool:
    return cache.get(_unanswered_key(connection)) == str(connection.last_refreshed_at)


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
