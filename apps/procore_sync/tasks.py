"""Thin Celery tasks: load ids, call the engine. acks_late, so a killed worker's task is redone;
what a worker took down with it is picked up by `recover` (recovery.py)."""

from celery import shared_task

from . import engine, recovery, schedules
from .engine_models import SyncRun
from .queues import run_queue_name


@shared_task(name="procore_sync.run", acks_late=True, reject_on_worker_lost=True)
def run_sync(run_id: int) -> None:
    run = engine.run_execute(run_id)
    if run is not None and run.is_finished:
        schedules.after_run(run, enqueue=enqueue_run)


@shared_task(name="procore_sync.schedule_due")
def schedule_due() -> int:
    return schedules.queue_due_runs(enqueue=enqueue_run)


@shared_task(name="procore_sync.nightly_reports")
def nightly_reports() -> int:
    return schedules.queue_nightly_reports(enqueue=enqueue_run)


@shared_task(name="procore_sync.nightly_full_rereads")
def nightly_full_rereads() -> int:
    return schedules.queue_full_rereads(enqueue=enqueue_run)


@shared_task(name="procore_sync.recover")
def recover() -> int:
    ended = recovery.runs_recover(enqueue=enqueue_run)
    return ended + recovery.queued_resend(enqueue=enqueue_run)


def enqueue_run(run_id: int) -> None:
    """One task runs every flow, so the queue is chosen per run (queues.py), here, where every
    message for a run is sent: the first, a hand-on, a resend and a recovery alike."""
    run = SyncRun.objects.filter(pk=run_id).values("flow", "trigger", "params").first()
    queue = run_queue_name(**run) if run is not None else None  # gone: the task finds nothing
    run_sync.apply_async((run_id,), queue=queue)
