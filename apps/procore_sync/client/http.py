"""ProcoreClient: the one seam through which Trestle talks to Procore's REST API.

It sets the base URL, `Authorization` and `Procore-Company-Id`, timeouts; refreshes the token
(once per request) on expiry or 401; reserves a slot of the shared rate budget before each
request and counts every answer for the health card; retries what can succeed later with
capped exponential backoff and full jitter; reads every 2xx body (answers.py), retrying one that
cannot be read; and turns every other answer into a typed error.
"""

import copy
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import NewConnectionError

from ..models import ProcoreConnection
from . import answer_counts
from .answers import Answer, Expect, read_answer
from .circuit import CircuitBreaker
from .errors import (
    MalformedAnswer,
    OutcomeUnknown,
    ProcoreUnavailable,
    RateLimited,
    ValidationError,
    error_for_response,
)
from .oauth import refresh_access_token
from .ratelimit import RateBudget
from .ratewindow import GRACE

logger = logging.getLogger(__name__)

# Names Trestle in Procore's logs (and lets the sandbox's contract audit tell our requests
# from a test's hand-made ones).
USER_AGENT = "Trestle-Procore-Sync/1.0"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses that mean the server did not apply the request, so even a create may be resent.
NOT_APPLIED_STATUSES = frozenset({429, 503})
# No usable answer: the request was sent, but the answer timed out, dropped or ended part way.
LOST_ANSWER = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (0-based) waits `jitter() * min(cap, base * 2**n)`: capped, full jitter."""

    max_attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_total: float = 120.0  # seconds one call may take, waits and attempts included
    max_wait: float = 60.0  # the longest single wait for a rate-limit reset or Retry-After

    def backoff(self, attempt: int, jitter: Callable[[], float]) -> float:
        return jitter() * min(self.cap, self.base * 2**attempt)


def _server_wait(response: requests.Response, now: float) -> float | None:
    """Seconds Procore asked us to wait: Retry-After if present, else until X-Rate-Limit-Reset."""
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("X-Rate-Limit-Reset")
    if response.status_code == 429 and reset:
        try:  # the budget takes the window as reset GRACE after Procore's reset
            return max(0.0, float(reset) + GRACE - now)
        except ValueError:
            return None
    return None


def _never_sent(exc: Exception) -> bool:
    """True when the request surely never reached Procore (so resending cannot duplicate it)."""
    if not isinstance(exc, requests.RequestException):
        return False  # e.g. an unreadable answer: Procore got the request and answered
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None  # requests wraps urllib3's MaxRetryError
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


class ProcoreClient:
    """Calls on behalf of one ProcoreConnection. `sleep`, `jitter` and `clock` are injectable.

    Do not call it inside `transaction.atomic()`: a token refresh commits the rotated tokens at
    once (the old refresh token is dead), and a rollback of an outer transaction would lose them.
    """

    def __init__(
        self,
        connection: ProcoreConnection,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection = connection
        self.session = session or requests.Session()
        self.retry = retry
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock
        self.budget = RateBudget(connection.pk, max_wait=retry.max_wait, sleep=sleep, clock=clock)
        self.circuit = CircuitBreaker(connection.pk)

    # -- verbs returning parsed JSON ------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).body

    def post(self, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=json, params=params).body

    def patch(
        self,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        *,
        idempotent: bool = True,
        expect: Expect | None = None,
    ) -> Any:
        return self.request(
            "PATCH", path, json=json, params=params, idempotent=idempotent, expect=expect
        ).body

    def delete(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("DELETE", path, params=params).body

    def for_thread(self) -> "ProcoreClient":
        """A twin for another thread: the same connection, retry rules and shared budget, with
        a session of its own (requests.Session is not documented as thread-safe)."""
        twin = copy.copy(self)
        twin.session = requests.Session()
        return twin

    def download(self, url: str, *, max_bytes: int = 50 * 2**20) -> bytes:
        """An attachment's bytes. Procore's file links are pre-signed, so the token is never sent
        along (the link may point at another host); retried like any GET. Each attempt takes a
        slot of the shared rate budget, so downloads in parallel never outrun it."""
        path = urlsplit(url).path  # the query holds the link's signature: never logged
        for attempt in range(self.retry.max_attempts):
            sent, slot, headers = time.monotonic(), self.budget.reserve(), None
            try:
                with self.session.get(
                    url, stream=True, timeout=settings.PROCORE_TIMEOUT_SECONDS
                ) as response:
                    headers = response.headers
                    _log("GET", path, response.status_code, sent, attempt, self.connection.pk)
                    if response.ok:
                        return _read_capped(response, max_bytes)
                    if response.status_code not in RETRYABLE_STATUSES:
                        raise error_for_response(response)
            except LOST_ANSWER as exc:
                _log("GET", path, type(exc).__name__, sent, attempt, self.connection.pk)
            finally:  # counted in its windows; no longer in flight
                self.budget.settle(slot, headers)
            if attempt + 1 < self.retry.max_attempts:
                self.sleep(self.retry.backoff(attempt, self.jitter))
        raise ProcoreUnavailable("Procore did not deliver the attachment.")

    # -- the one request loop -------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        expect: Expect | None = None,
    ) -> Answer:
        """Send with retries; return a read 2xx answer or raise a typed ProcoreError.

        `idempotent` defaults to "not a POST". A non-idempotent call is resent only after an
        answer proving Procore did not apply it (429, 503) or a connection that was never made;
        otherwise it raises OutcomeUnknown so the caller looks the record up by origin_id.
        A 2xx body that is not JSON, or that `expect` refuses, is such an unproven answer too:
        an idempotent call is retried, then raises MalformedAnswer.
        """
        idempotent = method != "POST" if idempotent is None else idempotent
        started, refreshed = self.clock(), False
        for attempt in range(self.retry.max_attempts):
            if self.connection.token_is_stale():
                self.connection = refresh_access_token(self.connection.pk)
            token = self.connection.access_token
            response, exc = self._send(method, path, params, json, attempt)
            if response is not None and response.status_code == 401 and not refreshed:
                self.connection.count_error(401)
                self.connection = refresh_access_token(self.connection.pk, rejected_token=token)
                refreshed = True
                response, exc = self._send(method, path, params, json, attempt)
            if response is not None and response.ok:
                try:
                    return read_answer(response, expect)
                except MalformedAnswer as malformed:
                    logger.warning("procore %s %s: %s", method, path, malformed.message)
                    exc = malformed
            delay = self._retry_delay(response, exc, attempt, idempotent)
            if delay is None or self.clock() - started + delay > self.retry.max_total:
                break
            self.sleep(delay)
        raise self._final_error(response, exc, idempotent, self.clock() - started)

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json: Any,
        attempt: int,
    ) -> tuple[requests.Response | None, Exception | None]:
        self.circuit.check()
        slot = self.budget.reserve()
        headers = {
            "Authorization": f"Bearer {self.connection.access_token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if self.connection.company_id:
            headers["Procore-Company-Id"] = str(self.connection.company_id)
        sent, response = time.monotonic(), None
        try:
            response = self.session.request(
                method,
                f"{settings.PROCORE_API_URL}{path}",
                params=params,
                json=json,
                headers=headers,
                timeout=settings.PROCORE_TIMEOUT_SECONDS,
            )
        except LOST_ANSWER as exc:
            _log(method, path, type(exc).__name__, sent, attempt, self.connection.pk)
            self.circuit.failed()
            return None, exc
        finally:  # the slot stays counted in its windows; it is no longer in flight
            self.budget.settle(slot, response.headers if response is not None else None)
            answer_counts.count(self.connection.pk, getattr(response, "status_code", None))
        _log(method, path, response.status_code, sent, attempt, self.connection.pk)
        if response.status_code >= 500:
            self.circuit.failed()
        else:
            self.circuit.succeeded()
        if response.status_code in (403, 404, 429):
            self.connection.count_error(response.status_code)
        return response, None

    def _retry_delay(
        self,
        response: requests.Response | None,
        exc: Exception | None,
        attempt: int,
        idempotent: bool,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when retrying cannot help."""
        if attempt + 1 >= self.retry.max_attempts:
            return None
        if exc is not None:  # no answer, or an unreadable one
            return (
                self.retry.backoff(attempt, self.jitter) if idempotent or _never_sent(exc) else None
            )
        status = response.status_code
        if status not in RETRYABLE_STATUSES:
            return None
        if not idempotent and status not in NOT_APPLIED_STATUSES:
            return None
        server_wait = _server_wait(response, self.clock())
        if server_wait is not None:
            return server_wait if server_wait <= self.retry.max_wait else None
        return self.retry.backoff(attempt, self.jitter)

    def _final_error(
        self,
        response: requests.Response | None,
        exc: Exception | None,
        idempotent: bool,
        elapsed: float,
    ) -> Exception:
        if isinstance(exc, MalformedAnswer):
            return exc if idempotent else _unconfirmed(exc)
        if exc is not None:
            if not idempotent and not _never_sent(exc):
                return OutcomeUnknown(f"No answer from Procore ({type(exc).__name__}).")
            return ProcoreUnavailable(f"No answer from Procore after {elapsed:.0f}s of retries.")
        error = error_for_response(response)
        if not idempotent and response.status_code in RETRYABLE_STATUSES - NOT_APPLIED_STATUSES:
            return OutcomeUnknown(error.message, status=error.status, body=error.body)
        if isinstance(error, RateLimited):
            error.retry_at = self.clock() + (_server_wait(response, self.clock()) or 0.0)
        if response.status_code == 401:
            self.connection.mark_needs_reconnect(
                "Procore rejected this connection's token even after a refresh. "
                "An owner or admin must reconnect Procore in Settings → Procore."
            )
        return error


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    content = bytearray()
    for chunk in response.iter_content(64 * 1024):
        content += chunk
        if len(content) > max_bytes:
            raise ValidationError(f"The attachment is larger than {max_bytes:,} bytes.")
    return bytes(content)


def _unconfirmed(malformed: MalformedAnswer) -> OutcomeUnknown:
    """A write answered unreadably may have been applied: the caller looks it up, never resends."""
    return OutcomeUnknown(
        f"{malformed.message} The write may have been applied; it is checked before retrying.",
        status=malformed.status,
    )


def _log(method: str, path: str, outcome: Any, sent: float, attempt: int, conn: int) -> None:
    # Path only: query strings and bodies may hold customer data, headers hold the token.
    ms = int((time.monotonic() - sent) * 1000)
    logger.info(
        "procore %s %s -> %s in %dms (retry %d, connection %s)",
        method,
        path,
        outcome,
        ms,
        attempt,
        conn,
    )
