"""Reading a 2xx answer: its JSON body, or a MalformedAnswer saying what came instead.

A 200 is not proof of a good answer: a proxy may send its own HTML page, a connection may end
the JSON part way with a matching Content-Length, a list endpoint may answer something that is
not a list. Reading happens inside the client's request loop, so these are retried like a 5xx.
Messages describe the body's kind, never its content (it may hold customer data or tokens).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .errors import MalformedAnswer

# Checks a parsed body and returns what the caller wants of it; raises MalformedAnswer.
Expect = Callable[[Any], Any]


@dataclass(frozen=True)
class Answer:
    """A 2xx answer whose body was read: the parsed JSON (None when empty) and the headers."""

    status: int
    headers: Mapping[str, str]
    body: Any


def read_answer(response: requests.Response, expect: Expect | None = None) -> Answer:
    body = _parsed(response)
    if expect is not None:
        body = expect(body)
    return Answer(status=response.status_code, headers=response.headers, body=body)


def unreadable(what: str, *, status: int | None = None) -> MalformedAnswer:
    return MalformedAnswer(f"Procore's answer could not be read ({what}).", status=status)


def _parsed(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise unreadable(_kind_of(response), status=response.status_code) from None


def _kind_of(response: requests.Response) -> str:
    """What came instead of JSON, in words a person can act on."""
    content_type = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    start = response.content.lstrip()[:1]
    if content_type == "text/html" or start == b"<":
        return "an HTML page instead of JSON, as a proxy or sign-in page sends"
    if start in (b"{", b"["):
        return "a cut-off body: the JSON ends part way"
    return f"not JSON but {content_type or 'an answer without a content type'}"
