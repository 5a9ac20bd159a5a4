"""The life of a SyncRun: queue it, hold the one lease per office and flow, count, finish.

A lease (not a process-local lock) keeps one run per office and flow at a time across every worker
and machine: it lives in the database, a heartbeat renews it while the run's worker lives, and it
expires within LEASE of the worker dying; recovery.py then ends the run and queues what it left.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.offices.models import Office

from . import work
from .engine_models import Outcome, RunStatus, SyncItem, SyncRun, SyncSettings, Trigger

# A dead worker's run is noticed within LEASE (plus a sweep); the heartbeat renews it thrice per
# LEASE, so a live run never loses it even while one Procore call waits out a rate limit.
LEASE = timedelta(seconds=settings.PROCORE_SYNC_LEASE_SECONDS)
HEARTBEAT = LEASE / 3


def sync_settings_for(office: Office) -> SyncSettings:
    settings, _ = SyncSettings.objects.get_or_create(office=office)
    return settings


def run_queue(
    *,
    office: Office,
    flow: str,
    trigger: str,
    user: User | None = None,
    params: dict | None = None,
    enqueue: Callable[[int], None],
) -> SyncRun:
    """Record the intent first, then hand the run to a worker after the commit."""
    run = SyncRun.objects.create(
        office=office, flow=flow, trigger=trigger, requested_by=user, params=params or {}
    )
    transaction.on_commit(lambda: enqueue(run.pk))
    return run


def run_not_queued(
    *,
    office: Office,
    flow: str,
    error: str,
    items: list[SyncItem],
    params: dict | None = None,
    work: dict | None = None,
) -> SyncRun:
    """Queueing a run failed after the user's change committed: a failed run in its place, with
    a failed item per record it was for, so Sync Activity shows the reason and Retry failed
    sends what it was for (work.py)."""
    run = SyncRun.objects.create(
        office=office,
        flow=flow,
        trigger=Trigger.USER,
        params=params or {},
        work=work or {},
        status=RunStatus.FAILED,
        counts={"failed": len(items)},
        error=error,
        ended_at=timezone.now(),
        enqueued_at=None,
    )
    for item in items:
        item.run, item.outcome = run, Outcome.FAILED
    SyncItem.objects.bulk_create(items)
    return run


def run_acquire(run: SyncRun) -> bool:
    """Start `run` if no live run holds the office's lease for its flow (itself included: a
    second message for a run already running must not run it twice). A run whose lease ran out
    is left to recovery.py, which ends it and queues what it left undone."""
    now = timezone.now()
    with transaction.atomic():
        Office.objects.select_for_update().filter(pk=run.office_id).first()  # serialize acquirers
        holders = SyncRun.objects.filter(
            office_id=run.office_id,
            flow=run.flow,
            status=RunStatus.RUNNING,
            lease_expires_at__gt=now,
        )
        if holders.exists():
            return False
        fresh = SyncRun.objects.select_for_update().get(pk=run.pk)
        if fresh.status != RunStatus.QUEUED:
            return False  # ended, or a dead attempt that recovery ends and continues
        fresh.status, fresh.lease_expires_at = RunStatus.RUNNING, now + LEASE
        fresh.started_at = fresh.started_at or now
        fresh.save(update_fields=["status", "lease_expires_at", "started_at"])
    run.refresh_from_db()
    return True


def run_wait(run: SyncRun) -> None:
    """The run stays queued with no message of its own: the run holding the lease hands it on
    when it ends (recovery.hand_on), and the sweeper does if that hand-on is lost."""
    SyncRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(enqueued_at=None)


def run_skip(run: SyncRun, reason: str) -> None:
    run.status, run.error, run.ended_at = RunStatus.SKIPPED, reason, timezone.now()
    run.save(update_fields=["status", "error", "ended_at"])


@contextmanager
def lease_kept(run: SyncRun) -> Iterator[None]:
    """Renew the run's lease from a thread while the body runs; a killed worker stops renewing.

    Inside an open transaction (a test's) the run row is not committed, so another connection
    could only wait on it: the lease then lives as long as the run, and the body just runs.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(run.pk, stop), daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _heartbeat(run_id: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(HEARTBEAT.total_seconds()):
            SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
                lease_expires_at=timezone.now() + LEASE
            )
    finally:
        connection.close()  # this thread's own connection


class RunRecorder:
    """Counts and items of a running run. Items are written per batch; the run row (progress,
    counts, work) at most every SAVE_EVERY, at each step and at the end."""

    SAVE_EVERY = timedelta(seconds=2)

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.counts: Counter[str] = Counter(run.counts or {})
        self.saved_at = timezone.now()

    def plan(self, entity: str, units: Iterable) -> None:
        """Say which units (item entity, ids) this run works on, before sending any of them."""
        self.run.work = {"entity": entity, "ids": list(units), "done": []}
        self.run.save(update_fields=["work"])

    def unit_done(self, unit) -> None:
        """A planned unit that records no item of its own went through (an entity kind)."""
        self.run.work = {**self.run.work, "done": [*self.run.work.get("done", []), unit]}
        self.run.save(update_fields=["work"])

    def add(self, counts: Counter[str], items: list[SyncItem], done: int = 0) -> None:
        if items:
            for item in items:
                item.run = self.run
            SyncItem.objects.bulk_create(items)
        self.counts.update(counts)
        self.run.progress_done += done
        now = timezone.now()
        if done or now - self.saved_at >= self.SAVE_EVERY:
            self.run.counts = dict(self.counts)
            self.run.save(update_fields=["counts", "progress_done"])
            self.saved_at = now

    def fail_undone(self, reason: str, fix: str) -> None:
        """Every unit not done gets a failed item with the reason (the run stops here)."""
        items = work.failed_units(self.run, reason, fix)
        self.add(Counter(failed=len(items)), items)

    def finish(self, error: str = "") -> SyncRun:
        status = RunStatus.SUCCEEDED
        if error:
            status = RunStatus.FAILED
        elif self.counts.get("failed", 0):
            status = RunStatus.PARTIAL
        self.run.status, self.run.error, self.run.ended_at = status, error, timezone.now()
        self.run.counts, self.run.lease_expires_at = dict(self.counts), None
        self.run.save(
            update_fields=[
                "status",
                "error",
                "ended_at",
                "lease_expires_at",
                "counts",
                "progress_done",
            ]
        )
        return self.run


def run_retry_failed(*, run: SyncRun, user: User, enqueue: Callable[[int], None]) -> SyncRun:
    """Run again exactly what `run` left undone (work.py). Every write is idempotent, so what
    went through is never sent twice. Raises work.NothingLeft when everything went through."""
    params = work.left_params(run)
    if not run.is_finished or params is None:
        raise work.NothingLeft(run)
    return run_queue(
        office=run.office,
        flow=run.flow,
        trigger=Trigger.USER,
        user=user,
        params=params,
        enqueue=enqueue,
    )
