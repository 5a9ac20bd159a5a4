"""Two real Celery workers, one per queue: a COR push finishes while a large employee import of
the same office is still running on the bulk queue (issue 18, point 6)."""

import os
import socket
import subprocess

import pytest
from django.db import connection
from django.utils import timezone

from apps.procore_sandbox import faults, ids
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.cor_push.services import push_queue
from apps.procore_sync.engine_models import RunStatus, SyncRun, Trigger
from apps.procore_sync.queues import BULK, INTERACTIVE
from apps.procore_sync.runs import run_queue
from apps.procore_sync.tasks import enqueue_run
from apps.timecards.models import Employee
from config.celery import app
from tests import celery_workers
from tests.celery_workers import kill, wait_for

from .conftest import line, make_cor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
EMPLOYEES = 4_000  # two pages of Procore's 2,000
PAGE_SECONDS = 4  # each page of company users answers this late: the import lasts > 8 s


def worker_name(queue: str) -> str:
    return f"{queue}-{os.getpid()}@{socket.gethostname()}"  # not another test run's worker


def start_worker(live_server, queue: str) -> subprocess.Popen:
    return celery_workers.start_worker(live_server, "-Q", queue, "-n", worker_name(queue))


def seed_employees(company, count: int) -> None:
    first, now = ids.allocate(count), timezone.now()
    SandboxRecord.objects.bulk_create(
        SandboxRecord(
            id=first + n,
            company=company,
            resource="users",
            data={"first_name": "Field", "last_name": f"Worker {n}", "is_active": True}
            | {"is_employee": True, "employee_id": f"E{n:05d}"},
            created_at=now,
            updated_at=now,
        )
        for n in range(count)
    )


def status(run: SyncRun) -> str:
    return SyncRun.objects.values_list("status", flat=True).get(pk=run.pk)


def test_a_push_finishes_while_a_large_import_runs_on_the_other_queue(
    procore, target, tenant, live_server
):
    app.control.purge()  # messages other tests left in the test broker are not this test's
    seed_employees(procore.company, EMPLOYEES)
    cor = make_cor(target, tenant.owner, "C1", line(target, "10"))
    users = f"/rest/v1.3/companies/{procore.company.id}/users"
    faults.set_faults(latency_ms=PAGE_SECONDS * 1000, latency_paths=[users])
    connection.close()  # the workers and the live server share the database from here on
    workers = [start_worker(live_server, queue) for queue in (BULK, INTERACTIVE)]
    try:
        wait_for(
            lambda: app.control.ping(destination=[worker_name(INTERACTIVE)], timeout=0.5),
            60,
            "the interactive worker to start",
        )
        imported = run_queue(
            office=tenant.office,
            flow="entities",
            trigger=Trigger.SCHEDULE,
            params={"entities": ["employees"], "full": True},
            enqueue=enqueue_run,
        )
        wait_for(lambda: status(imported) == RunStatus.RUNNING, 60, "the import to start")
        pushed = push_queue(
            project=target.project,
            cors=[cor],
            options=target.options(),
            user=tenant.owner,
            enqueue=enqueue_run,
        )
        wait_for(lambda: SyncRun.objects.get(pk=pushed.pk).is_finished, 30, "the push")
        import_at_push_end = status(imported)
        wait_for(lambda: SyncRun.objects.get(pk=imported.pk).is_finished, 90, "the import")
    finally:
        for worker in workers:
            kill(worker)
        faults.reset_faults()
    assert status(pushed) == RunStatus.SUCCEEDED
    assert import_at_push_end == RunStatus.RUNNING
    assert status(imported) == RunStatus.SUCCEEDED
    assert Employee.objects.filter(office=tenant.office).count() == EMPLOYEES
    [event] = procore.records("change_events")
    assert len(event["change_event_line_items"]) == 1
