"""Posts queued webhook deliveries the way procore-api.md §10.2 says Procore does.

`POST destination_url` with the hook's `destination_headers` and `Content-Type:
application/json`; 5 s to answer; a failure (not 2xx, a timeout, no connection) pauses the hook
and retries with exponential backoff from 1 s up to 1 h; after 12 h of failing, the hook's queue
is flushed and its queued events are marked discarded; a success resets the counters. The
`webhook_duplicate` fault posts a share of the deliveries twice.

Who sends:
  deliver_due()   everything due now, here and now: tests, commands before they exit,
                  `manage.py procore_sandbox_deliver`. `now` may be injected (a fake clock).
  wake()          a daemon thread of this process sends until nothing is left to wait for; the
                  outbox calls it when a change commits (PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND,
                  off in tests). Deliveries a dead process left are sent by the next sender.
Claims are conditional UPDATEs with a lease, so senders in many processes never post one
delivery at once, on PostgreSQL and SQLite alike.
"""

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import connection
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from . import faults
from .models import SandboxDelivery, SandboxRecord

TIMEOUT_SECONDS = 5
FIRST_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(hours=1)
DISCARD_AFTER = timedelta(hours=12)
LEASE = timedelta(seconds=60)  # well past the 5 s timeout: only a dead sender's lease runs out
KEPT_BODY = 2000  # characters of an answer kept for the deliveries list
PENDING = (SandboxDelivery.Status.ENQUEUED, SandboxDelivery.Status.RETRYING)
Clock = Callable[[], datetime]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    status: int | None = None
    headers: dict[str, str] | None = None
    body: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def deliver_due(*, now: Clock = timezone.now) -> int:
    """Post every delivery due at `now()`, oldest first; returns the POSTs made."""
    posts = 0
    while (delivery := _claim(now())) is not None:
        posts += _attempt(delivery, now)
    return posts


def counts() -> dict[str, int]:
    """Deliveries by status and POSTs made (duplicates included), e.g. for a bench."""
    rows = SandboxDelivery.objects.values("status").annotate(n=Count("id"), posts=Sum("posts"))
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in SandboxDelivery.Status.values} | {
        "posts": sum(row["posts"] or 0 for row in rows)
    }


def _claimable(now: datetime) -> Any:
    """Pending and due, not leased, and not waiting behind its hook's failing delivery."""
    paused = SandboxDelivery.objects.filter(
        status=SandboxDelivery.Status.RETRYING, due_at__gt=now
    ).values("hook_id")
    return (
        SandboxDelivery.objects.filter(status__in=PENDING, due_at__lte=now)
        .filter(Q(leased_until=None) | Q(leased_until__lt=now))
        .exclude(Q(status=SandboxDelivery.Status.ENQUEUED) & Q(hook_id__in=paused))
    )


def _claim(now: datetime) -> SandboxDelivery | None:
    for pk in _claimable(now).order_by("id").values_list("id", flat=True)[:20]:
        if _claimable(now).filter(pk=pk).update(leased_until=now + LEASE):
            return SandboxDelivery.objects.get(pk=pk)
    return None


def _attempt(delivery: SandboxDelivery, now: Clock) -> int:
    hook = SandboxRecord.objects.filter(
        id=delivery.hook_id, resource="webhook_hooks", deleted_at=None
    ).first()
    if hook is None or hook.data.get("status") == "disabled":
        _discard(delivery)  # nowhere to send it any more
        return 0
    started = now()
    answer = _post(hook, delivery.event)
    posts = 1
    if answer.ok and _duplicated(delivery):
        _post(hook, delivery.event)
        posts += 1
    _record(delivery, answer, started, now(), posts)
    return posts


def _post(hook: SandboxRecord, event: dict[str, Any]) -> Answer:
    headers = {**(hook.data.get("destination_headers") or {}), "Content-Type": "application/json"}
    try:
        response = requests.post(
            str(hook.data.get("destination_url")),
            data=json.dumps(event),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        return Answer(error=f"{type(error).__name__}: {error}")
    return Answer(response.status_code, dict(response.headers), response.text[:KEPT_BODY])


def _duplicated(delivery: SandboxDelivery) -> bool:
    config = faults.current()
    share = config["webhook_duplicate"]
    rng = random.Random(f"{config['seed']}:webhook:{delivery.id}")  # noqa: S311 - not crypto
    return bool(share) and rng.random() < share


def _record(
    delivery: SandboxDelivery, answer: Answer, started: datetime, done: datetime, posts: int
) -> None:
    delivery.attempts = [*delivery.attempts, _attempt_json(answer, started, done)]
    delivery.posts += posts
    delivery.leased_until = None
    if answer.ok:
        delivery.status, delivery.failing_since = SandboxDelivery.Status.DELIVERED, None
    else:
        delivery.failing_since = delivery.failing_since or started
        failures = sum(1 for attempt in delivery.attempts if not _succeeded(attempt))
        delivery.status = SandboxDelivery.Status.RETRYING
        delivery.due_at = done + min(FIRST_BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
    delivery.save()
    if not answer.ok and done - delivery.failing_since >= DISCARD_AFTER:
        _flush(delivery.hook_id)


def _attempt_json(answer: Answer, started: datetime, done: datetime) -> dict[str, Any]:
    return {
        "started_at": _iso(started),
        "completed_at": _iso(done),
        "response_status": answer.status,
        "response_headers": answer.headers or {},
        "response_body": answer.body,
        "response_error": answer.error,
    }


def _succeeded(attempt: dict[str, Any]) -> bool:
    return Answer(attempt.get("response_status")).ok


def _discard(delivery: SandboxDelivery) -> None:
    delivery.status, delivery.leased_until = SandboxDelivery.Status.DISCARDED, None
    delivery.save(update_fields=["status", "leased_until"])


def _flush(hook_id: int) -> None:
    """12 h of failures: every queued event of the hook is discarded (§10.2)."""
    SandboxDelivery.objects.filter(hook_id=hook_id, status__in=PENDING).update(
        status=SandboxDelivery.Status.DISCARDED, leased_until=None
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- the background sender ------------------------------------------------------------------

_lock = threading.Lock()
_woken = threading.Event()
_thread: threading.Thread | None = None
IDLE_CHECK_SECONDS = 60.0  # at most this long between looks, for deliveries of other processes


def wake() -> None:
    """Have this process's sender thread look for due deliveries now (start it if needed)."""
    global _thread
    if not settings.PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND:
        return
    with _lock:
        _woken.set()
        if _thread is None:
            _thread = threading.Thread(target=_run, name="procore-sandbox-webhooks", daemon=True)
            _thread.start()


def _run() -> None:
    global _thread
    try:
        while _wait_for_work():
            deliver_due()
    except Exception:  # a locked SQLite file, a lost database: the next wake() starts afresh
        logger.exception("sandbox webhook sender stopped")
    finally:
        with _lock:
            if _thread is threading.current_thread():
                _thread = None
        connection.close()


def _wait_for_work() -> bool:
    """Sleep until a delivery may be due or wake() is called; False when there is nothing left."""
    global _thread
    wait = _seconds_to_next()
    if wait is not None and wait > 0:
        _woken.wait(min(wait, IDLE_CHECK_SECONDS))
    with _lock:
        if wait is None and not _woken.is_set():
            _thread = None  # under the lock, so a wake() from now on starts a new thread
            return False
        _woken.clear()
        return True


def _seconds_to_next() -> float | None:
    """Until the earliest retry or a lease of another sender runs out; None when none pends."""
    now = timezone.now()
    unleased = Q(leased_until=None) | Q(leased_until__lte=now)
    pending = SandboxDelivery.objects.filter(status__in=PENDING).aggregate(
        due=Min("due_at", filter=Q(status=SandboxDelivery.Status.RETRYING) & unleased),
        lease=Min("leased_until", filter=Q(leased_until__gt=now)),
        claimable=Count("id", filter=Q(id__in=_claimable(now).values("id"))),
    )
    if pending["claimable"]:
        return 0.0
    moments = [m for m in (pending["due"], pending["lease"]) if m is not None]
    return max((min(moments) - now).total_seconds(), 0.0) if moments else None
