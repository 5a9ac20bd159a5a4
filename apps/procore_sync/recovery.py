"""Recovery after a crash, on beat every RECOVER_EVERY: nothing stays "running", nothing queued
waits for a message that died with its worker, and no run is sent twice to the broker.

- A run whose lease expired lost its worker: it ends as failed, every unit it had not done gets a
  failed item, and exactly what it left undone is queued once as a "recovery" run.
- A queued run whose message is gone (a waiting run, or one whose worker died holding it) gets a
  new one: at most one per office and flow at a time, and only when no live run holds that flow.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import work
from .engine_models import RunStatus, SyncRun, Trigger
from .runs import RunRecorder, run_queue

RECOVER_EVERY = timedelta(seconds=30)
# A queued run's message that has not started it by then is taken as lost; a second message
# for a run is harmless (the first to start it wins), so erring early costs only a no-op.
PATIENCE = timedelta(seconds=60)
WORKER_LOST = "The worker running this stopped before it finished (it was restarted or killed)."
LOST_FIX = "It was queued again: see the recovery run."


def runs_recover(*, enqueue: Callable[[int], None]) -> int:
    """End every run whose worker died; returns how many were ended."""
    expired = SyncRun.objects.filter(
        status=RunStatus.RUNNING, lease_expires_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(run_recover(run_id, enqueue=enqueue) is not None for run_id in list(expired))


def run_recover(run_id: int, *, enqueue: Callable[[int], None]) -> SyncRun | None:
    """End one dead run (if it still is one) and queue what it left undone."""
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update(skip_locked=True)
            .select_related("office")
            .filter(pk=run_id, status=RunStatus.RUNNING, lease_expires_at__lte=timezone.now())
            .first()
        )
        if run is None:
            return None  # renewed, ended, or being recovered by another sweeper
        recorder = RunRecorder(run)
        recorder.fail_undone(WORKER_LOST, LOST_FIX)
        params = work.left_params(run)
        if params is None:  # it had done everything before it died
            return recorder.finish()
        follow = run_queue(
            office=run.office,
            flow=run.flow,
            trigger=Trigger.RECOVERY,
            params=params,
            enqueue=enqueue,
        )
        return recorder.finish(error=f"{WORKER_LOST} What it left undone is run #{follow.pk}.")


def queued_resend(*, enqueue: Callable[[int], None]) -> int:
    """A new message for the oldest queued run of each office and flow that has none in flight
    and no live run ahead of it; returns how many were sent."""
    now = timezone.now()
    busy = set(
        SyncRun.objects.filter(status=RunStatus.RUNNING, lease_expires_at__gt=now).values_list(
            "office_id", "flow"
        )
    )
    queued = (
        SyncRun.objects.filter(status=RunStatus.QUEUED)
        .order_by("created_at", "id")
        .values_list("pk", "office_id", "flow", "enqueued_at")
    )
    sent = 0
    for run_id, office_id, flow, enqueued_at in queued.iterator():
        if (office_id, flow) in busy:
            continue
        busy.add((office_id, flow))  # the oldest one only: it hands on to the next
        if enqueued_at is None or enqueued_at <= now - PATIENCE:
            _send(run_id, enqueue)
            sent += 1
    return sent


def hand_on(run: SyncRun, *, enqueue: Callable[[int], None]) -> int | None:
    """After `run` ends, the oldest queued run of its office and flow whose message is gone
    (waiting, or sent longer than PATIENCE ago) gets one, so a queue drains run after run."""
    lost = Q(enqueued_at=None) | Q(enqueued_at__lte=timezone.now() - PATIENCE)
    waiting = (
        SyncRun.objects.filter(office_id=run.office_id, flow=run.flow, status=RunStatus.QUEUED)
        .filter(lost)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        _send(waiting, enqueue)
    return waiting


def _send(run_id: int, enqueue: Callable[[int], None]) -> None:
    SyncRun.objects.filter(pk=run_id).update(enqueued_at=timezone.now())
    enqueue(run_id)
