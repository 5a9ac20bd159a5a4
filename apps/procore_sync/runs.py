"""The life of a SyncRun: queue it, hold the one lease per office and flow, count, finish.

A lease (not a process-local lock) keeps one run per office and flow at a time across every worker
and machine: it lives in PostgreSQL, is renewed as the run makes progress, and expires if the worker
dies, so the next run takes over and the dead one is marked failed with the reason.
"""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.offices.models import Office

from .engine_models import RunStatus, SyncItem, SyncRun, SyncSettings, Trigger

LEASE = timedelta(minutes=3)
WORKER_LOST = (
    "The worker running this stopped before it finished (it was restarted or killed). "
    "Nothing is lost: the next run starts again from the last saved point."
)


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


def run_acquire(run: SyncRun) -> bool:
    """Start `run` if no other live run holds the office's lease for its flow.

    Runs whose lease ran out are marked failed first, so nothing stays "running" forever.
    """
    now = timezone.now()
    with transaction.atomic():
        Office.objects.select_for_update().filter(pk=run.office_id).first()  # serialize acquirers
        same_flow = SyncRun.objects.filter(
            office_id=run.office_id, flow=run.flow, status=RunStatus.RUNNING
        ).exclude(pk=run.pk)
        same_flow.filter(lease_expires_at__lte=now).update(
            status=RunStatus.FAILED, error=WORKER_LOST, ended_at=now
        )
        if same_flow.exists():
            return False
        fresh = SyncRun.objects.select_for_update().get(pk=run.pk)
        if fresh.is_finished:
            return False  # a redelivered task for a run that already ended
        fresh.status, fresh.lease_expires_at = RunStatus.RUNNING, now + LEASE
        fresh.started_at = fresh.started_at or now
        fresh.save(update_fields=["status", "lease_expires_at", "started_at"])
    run.refresh_from_db()
    return True


def run_skip(run: SyncRun, reason: str) -> None:
    run.status, run.error, run.ended_at = RunStatus.SKIPPED, reason, timezone.now()
    run.save(update_fields=["status", "error", "ended_at"])


class RunRecorder:
    """Counts and items of a running run. Items are written per batch; the run row (progress,
    counts, lease) at most every SAVE_EVERY, at each step and at the end."""

    SAVE_EVERY = timedelta(seconds=2)

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.counts: Counter[str] = Counter(run.counts or {})
        self.saved_at = timezone.now()

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
            self.run.lease_expires_at = now + LEASE
            self.run.save(update_fields=["counts", "progress_done", "lease_expires_at"])
            self.saved_at = now

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
    """Run again what failed: every write is idempotent, so records that went through before are
    left as they are and the failed ones are tried again."""
    failed = run.items.filter(outcome="failed")
    failed_ids = sorted(set(failed.exclude(object_id=None).values_list("object_id", flat=True)))
    if run.flow == "cor_push":  # the same push, for the CORs that did not go through
        params = {**run.params, "cor_ids": failed_ids}
    elif run.flow == "time_export":  # the time cards that did not go through, by id
        params = {"entry_ids": failed_ids}
    elif run.flow == "daily_logs":  # the same days: those published in full are skipped
        params = dict(run.params)
    elif run.flow == "ap_import":  # re-read every approved invoice: imports are idempotent
        params = {"full": True}
    elif run.flow == "ap_payments":  # the payments that did not go through, by id
        params = {"payment_ids": failed_ids}
    else:  # a full pass over the entities that had failures
        params = {"entities": sorted(set(failed.values_list("entity", flat=True))), "full": True}
    return run_queue(
        office=run.office,
        flow=run.flow,
        trigger=Trigger.USER,
        user=user,
        params={**params, "retry_of": run.pk},
        enqueue=enqueue,
    )
