"""Fault injection for a run (error share, latency, dropped connections, 429 bursts, expiry,
malformed 2xx answers).

The config lives in the database so a test and its live server (or `make run` and a demo
script) share it. Draws are deterministic: request n of a run uses Random(f"{seed}:{n}").

    from apps.procore_sandbox import faults
    faults.set_faults(seed=7, error_503=0.2, drop_after=0.05, rate_limit_spike=25)
    # only POST/PATCH under /rest/v1.0/change_events, the first matching call only:
    faults.set_faults(drop_after=1.0, paths=["/rest/v1.0/change_events"],
                      methods=["POST", "PATCH"], max_faults=1)
    # a 200 whose body is cut off, an HTML page, or one record's `name` of the wrong type:
    faults.set_faults(truncated_body=0.1, html_200=0.1, wrong_type=0.1, wrong_type_fields=["name"])
    faults.set_faults(webhook_duplicate=0.3)  # 30% of webhook deliveries are posted twice
    faults.set_faults(latency_ms=2000, latency_paths=["/rest/v1.3/companies"])  # one slow list
    faults.reset_faults()

Malformed answers (`truncated_body`, `html_200`, `wrong_type`) change only an otherwise
successful JSON answer, after the view ran: any write was applied, as with `drop_after`. A fault
drawn for a request whose answer is an error or not JSON (an attachment) is spent unchanged.
"""

import random
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import SandboxConfig, SandboxToken

DEFAULTS: dict[str, Any] = {
    "seed": 0,
    "error_500": 0.0,  # shares of requests answered 500 / 502 / 503 (503 carries Retry-After)
    "error_502": 0.0,
    "error_503": 0.0,
    "latency_ms": 0,  # added to every request...
    "latency_paths": [],  # ...under these path prefixes (a slow endpoint); [] = every request
    "drop_before": 0.0,  # connection closed before the request is applied
    "drop_after": 0.0,  # request applied (record written), then the connection is closed
    "rate_429": 0.0,  # share of requests that start a burst of 429s...
    "burst_429": 1,  # ...this many requests long
    "truncated_body": 0.0,  # shares of 2xx JSON answers sent cut off part way (still 200 JSON)
    "html_200": 0.0,  # ...sent as a proxy's HTML page (200, text/html)
    "wrong_type": 0.0,  # ...with one field of one record of the wrong type (id "not a number")
    "wrong_type_fields": [],  # fields wrong_type may change, e.g. ["name"]; [] = any set field
    "webhook_duplicate": 0.0,  # share of webhook deliveries posted twice (not scoped by paths)
    "access_token_ttl": None,  # seconds; overrides the 5400 s lifetime of new access tokens
    "rate_limit_hourly": 3600,  # procore-api.md §3.5: historic default per token
    "rate_limit_spike": 100,  # per 10 s; Procore's docs show 25 in their example
    # Scope of the random faults above; a request outside it is never faulted nor counted.
    "paths": [],  # path prefixes below the sandbox root, e.g. "/rest/v1.0/change_events"; [] = all
    "methods": [],  # e.g. ["POST", "PATCH"]; [] = all
    "max_faults": None,  # at most this many requests of the run are faulted; None = no limit
}
MALFORMED_KINDS = ("truncated_body", "html_200", "wrong_type")
RANDOM_KEYS = (
    *("error_500", "error_502", "error_503", "drop_before", "drop_after", "rate_429"),
    *MALFORMED_KINDS,
)
LIST_KEYS = ("paths", "methods", "wrong_type_fields", "latency_paths")


class ConnectionDropped(Exception):
    """Raised where no socket can be closed (Django's test client): the call 'never answered'."""


@dataclass(frozen=True)
class Draw:
    error_status: int | None = None
    drop_before: bool = False
    drop_after: bool = False
    burst_429: bool = False
    malformed: str | None = None  # one of MALFORMED_KINDS
    body_seed: int = 0  # picks where the body is cut, which record and field turn wrong

    @property
    def faulted(self) -> bool:
        return bool(
            self.error_status
            or self.drop_before
            or self.drop_after
            or self.burst_429
            or self.malformed
        )


def set_faults(**faults: Any) -> None:
    """Replace the run's fault config (unknown names are a TypeError) and restart the draws."""
    unknown = set(faults) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown sandbox faults: {sorted(unknown)}")
    for name in LIST_KEYS:
        if not isinstance(faults.get(name, []), list):
            raise TypeError(f"sandbox fault {name} must be a list")
    SandboxConfig.objects.update_or_create(
        id=1,
        defaults={"faults": faults, "request_count": 0, "burst_429_left": 0, "faulted_count": 0},
    )


def reset_faults() -> None:
    set_faults()


def current() -> dict[str, Any]:
    config = SandboxConfig.objects.filter(id=1).values_list("faults", flat=True).first()
    return {**DEFAULTS, **(config or {})}


def expire_access_tokens() -> int:
    """Early expiry: every live access token stops working now (refresh tokens still do)."""
    return SandboxToken.objects.filter(expires_at__gt=timezone.now()).update(
        expires_at=timezone.now()
    )


def in_scope(config: dict[str, Any], method: str, path: str) -> bool:
    """Whether the run's `methods` and `paths` (prefixes below the sandbox root) cover a call."""
    methods = {m.upper() for m in config["methods"]}
    if methods and method.upper() not in methods:
        return False
    return not config["paths"] or path.startswith(tuple(config["paths"]))


def draw(config: dict[str, Any], *, method: str = "GET", path: str = "/") -> Draw:
    """Decide this request's faults; no database write when no random fault applies to it."""
    if not any(config[key] for key in RANDOM_KEYS) or not in_scope(config, method, path):
        return Draw()
    with transaction.atomic():
        row, _ = SandboxConfig.objects.select_for_update().get_or_create(id=1)
        row.request_count += 1
        rng = random.Random(f"{config['seed']}:{row.request_count}")  # noqa: S311 - not crypto
        if row.burst_429_left > 0:  # inside a burst: keep refusing until it is spent
            burst, row.burst_429_left = True, row.burst_429_left - 1
        elif rng.random() < config["rate_429"]:
            burst, row.burst_429_left = True, config["burst_429"] - 1
        else:
            burst = False
        result = Draw(
            error_status=_error_status(rng, config),
            drop_before=rng.random() < config["drop_before"],
            drop_after=rng.random() < config["drop_after"],
            burst_429=burst,
            malformed=_malformed_kind(rng, config),  # drawn last: older seeds keep their faults
            body_seed=rng.randrange(2**32),
        )
        limit = config["max_faults"]
        if limit is not None and row.faulted_count >= limit:
            result, row.burst_429_left = Draw(), 0
        row.faulted_count += result.faulted
        row.save(update_fields=["request_count", "burst_429_left", "faulted_count"])
    return result


def _error_status(rng: random.Random, config: dict[str, Any]) -> int | None:
    roll = rng.random()
    for status in (500, 502, 503):
        share = config[f"error_{status}"]
        if roll < share:
            return status
        roll -= share
    return None


def _malformed_kind(rng: random.Random, config: dict[str, Any]) -> str | None:
    roll = rng.random()
    for kind in MALFORMED_KINDS:
        if roll < config[kind]:
            return kind
        roll -= config[kind]
    return None


def add_latency(config: dict[str, Any], path: str = "/") -> None:
    if config["latency_ms"] and path.startswith(tuple(config["latency_paths"]) or "/"):
        time.sleep(config["latency_ms"] / 1000)


def drop_connection(request: HttpRequest) -> HttpResponse:
    """Close the client's socket without an answer; the client sees a connection error.

    Under runserver and the test live server the socket sits behind `wsgi.input`
    (LimitedStream -> socket file -> SocketIO -> socket); under gunicorn it is in the environ.
    A reset (SO_LINGER 0) rather than a FIN, so no client mistakes it for an empty answer.
    """
    sock = _client_socket(request.META)
    if sock is None:
        raise ConnectionDropped(request.path)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)
    return HttpResponse(status=499)  # never delivered: the server's write fails quietly


def _client_socket(environ: dict[str, Any]) -> socket.socket | None:
    if isinstance(environ.get("gunicorn.socket"), socket.socket):
        return environ["gunicorn.socket"]
    reader = getattr(getattr(environ.get("wsgi.input"), "_read", None), "__self__", None)
    sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None
