"""Thin Celery tasks: load ids, call the engine. acks_late, so a killed worker's task is redone."""

from celery import shared_task

from . import engine, schedules
from .engine_models import RunStatus

BUSY_RETRY_SECONDS = 5


@shared_task(name="procore_sync.run", acks_late=True, reject_on_worker_lost=True)
def run_sync(run_id: int) -> None:
    run = engine.run_execute(run_id)
    if run is not None and run.status == RunStatus.QUEUED:
        run_sync.apply_async((run_id,), countdown=BUSY_RETRY_SECONDS)
    elif run is not None:
        schedules.after_run(run, enqueue=enqueue_run)


@shared_task(name="procore_sync.schedule_due")
def schedule_due() -> int:
    schedules.requeue_stale_runs(enqueue=enqueue_run)
    return schedules.queue_due_runs(enqueue=enqueue_run)


def enqueue_run(run_id: int) -> None:
    run_sync.delay(run_id)
