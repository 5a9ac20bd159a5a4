"""Typed Procore errors: each carries a message a user can act on, plus Procore's status and body.

Retryable problems (429, 5xx, timeouts) are retried inside the client; what escapes it is final for
this attempt, and the engine records it on a SyncItem or marks the connection.
"""

from typing import Any

import requests

MAX_BODY_CHARS = 2000


class ProcoreError(Exception):
    """Base class. `message` is for people; `status` and `body` are Procore's answer, if any."""

    default_message = "Procore returned an error."

    def __init__(
        self, message: str = "", *, status: int | None = None, body: Any = None, detail: str = ""
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.body = body
        self.detail = detail  # Procore's own words, unchanged
        super().__init__(self.message)


class NeedsReconnect(ProcoreError):
    default_message = "Procore no longer accepts this connection. An admin must reconnect Procore."


class PermissionDenied(ProcoreError):
    default_message = (
        "Procore refused access. Check that the app is installed in the company, that the user "
        "has permission on the tool, and that the tool is enabled in the project."
    )


class NotFound(ProcoreError):
    default_message = "Procore has no such record, or the connected user cannot see it."


class ValidationError(ProcoreError):
    default_message = "Procore rejected the data."


class RateLimited(ProcoreError):
    """The rate budget is spent until `retry_at` (Unix seconds, if known); try again after it."""

    default_message = "Procore's rate limit is reached; the sync continues after it resets."

    def __init__(self, message: str = "", *, retry_at: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = retry_at


class ProcoreUnavailable(ProcoreError):
    default_message = "Procore is not answering (retries exhausted). The sync will try again later."


class MalformedAnswer(ProcoreUnavailable):
    """A 2xx answer whose body could not be read (cut off, an HTML page, not the expected shape).

    A subclass of ProcoreUnavailable because it is transient as far as a caller can tell (a proxy
    or a deploy in progress): retried inside the client, then "try again later". Never carries
    the body, which may hold customer data.
    """

    default_message = "Procore's answer could not be read."


class OutcomeUnknown(ProcoreError):
    """A write may or may not have been applied: look the record up (origin_id) before retrying."""

    default_message = "Procore did not confirm the write; it will be checked before retrying."


class OAuthStateError(ProcoreError):
    """The OAuth callback's `state` is missing, foreign, replayed or expired: save nothing."""

    default_message = "This Procore sign-in could not be verified. Start the connection again."


def procore_messages(body: Any) -> str:
    """Procore's own words from any error body shape it uses (string, list, dict, nested)."""
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, list):
        return "; ".join(m for m in (procore_messages(item) for item in body) if m)
    if not isinstance(body, dict):
        return ""
    parts = []
    for key in ("errors", "error", "message", "error_description", "reason", "details"):
        if key in body:
            parts.append(
                _keyed_messages(body[key]) if key == "errors" else procore_messages(body[key])
            )
    return "; ".join(p for p in dict.fromkeys(parts) if p)


def _keyed_messages(errors: Any) -> str:
    """`{"assignees": ["required"]}` reads as "assignees: required"."""
    if isinstance(errors, dict):
        return "; ".join(f"{field}: {procore_messages(msgs)}" for field, msgs in errors.items())
    return procore_messages(errors)


def response_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:MAX_BODY_CHARS]


def error_for_response(response: requests.Response) -> ProcoreError:
    """The typed error for a final, unsuccessful answer."""
    status, body = response.status_code, response_body(response)
    said = procore_messages(body)
    kind: type[ProcoreError] = {
        401: NeedsReconnect,
        403: PermissionDenied,
        404: NotFound,
        400: ValidationError,
        409: ValidationError,
        422: ValidationError,
        429: RateLimited,
    }.get(status, ProcoreUnavailable if status >= 500 else ProcoreError)
    message = f"{kind.default_message} Procore said: {said}" if said else kind.default_message
    return kind(message, status=status, body=body, detail=said)
