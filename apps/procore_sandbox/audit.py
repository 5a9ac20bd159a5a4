"""Recording what a client in this process sends to Procore, to check it against the contract.

`recording(user_agent=...)` wraps `requests.Session.send` for as long as it is open: every
request to a `/rest/` path whose User-Agent starts with `user_agent` is kept (requests to the
sandbox on a server and to `responses` mocks alike: both are what the client really sent; a
test's hand-made requests carry another agent). `violations()` checks each with
`contract.request_errors`. The test suite's audit and `bench/contract.py` use both.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from . import contract, oas

HEADERS = ("Procore-Company-Id", "Content-Type")


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    query: tuple[tuple[str, tuple[str, ...]], ...]
    headers: tuple[tuple[str, str], ...]
    body: str | None

    def errors(self) -> dict[str, list[str]]:
        try:
            body = json.loads(self.body) if self.body else None
        except ValueError:
            body = self.body
        return contract.request_errors(
            self.method,
            self.path,
            {name: list(values) for name, values in self.query},
            CaseInsensitiveDict(dict(self.headers)),
            body,
        )

    def operation(self) -> str:
        op, _, _ = oas.match(self.method, self.path)
        return f"{self.method} {op.template if op else self.path}"


def sent_of(request: requests.PreparedRequest, user_agent: str) -> Sent | None:
    url = urlsplit(request.url or "")
    agent = request.headers.get("User-Agent") or ""
    if "/rest/" not in url.path or not agent.startswith(user_agent):
        return None
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    query = parse_qs(url.query, keep_blank_values=True)
    return Sent(
        method=request.method or "GET",
        path=url.path[url.path.index("/rest/") :],
        query=tuple(sorted((k, tuple(v)) for k, v in query.items())),
        headers=tuple((k, request.headers[k]) for k in HEADERS if k in request.headers),
        body=body if isinstance(body, str) else None,
    )


@contextmanager
def recording(user_agent: str, sent: list[Sent] | None = None) -> Iterator[list[Sent]]:
    """Every request of that agent to a `/rest/` path sent while open, in order (repeats
    included), appended to `sent` (a new list by default)."""
    sent = [] if sent is None else sent
    original = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs):
        if (found := sent_of(request, user_agent)) is not None:
            sent.append(found)
        return original(self, request, **kwargs)

    requests.Session.send = send  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


def violations(sent: Iterable[Sent]) -> dict[str, list[Sent]]:
    """`"<method> <path> <field>: <messages>"` -> the distinct requests that broke it."""
    found: dict[str, list[Sent]] = defaultdict(list)
    for one in set(sent):
        for field, messages in one.errors().items():
            found[f"{one.method} {one.path} {field}: {'; '.join(messages)}"].append(one)
    return dict(found)
