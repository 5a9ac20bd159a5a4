"""A real Celery worker killed with SIGKILL in the middle of a push: the beat's sweeper ends the
dead run and queues what it left undone, a restarted worker finishes it into the same Change
Event, and no COR or line lands twice."""

import subprocess
import time
from collections import Counter

import pytest
from django.db import connection

from apps.procore_sandbox import faults
from apps.procore_sync import recovery
from apps.procore_sync.cor_push.lines import key_of
from apps.procore_sync.cor_push.services import push_queue
from apps.procore_sync.engine_models import RunStatus, SyncRun, Trigger
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.tasks import enqueue_run
from config.celery import app
from tests import celery_workers
from tests.celery_workers import kill, wait_for

from .conftest import line, make_cor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LEASE_SECONDS = 3


def start_worker(live_server) -> subprocess.Popen:
    return celery_workers.start_worker(
        live_server,
        "--pool",
        "prefork",
        "--without-heartbeat",
        env={"PROCORE_SYNC_LEASE_SECONDS": str(LEASE_SECONDS)},
    )


def test_a_killed_worker_s_push_is_finished_by_recovery_without_duplicates(
    procore, target, tenant, live_server
):
    app.control.purge()  # messages other tests left in the test broker are not this test's
    cors = [make_cor(target, tenant.owner, f"C{n}", line(target, "10")) for n in range(30)]
    faults.set_faults(latency_ms=400)  # slow enough to be killed between its two batches
    connection.close()  # the worker and the live server share the database from here on
    worker = start_worker(live_server)
    try:
        run = push_queue(
            project=target.project,
            cors=cors,
            options=target.options(),
            user=tenant.owner,
            enqueue=enqueue_run,
        )
        wait_for(lambda: CorPush.objects.count() >= 25, 60, "the first batch to be recorded")
        kill(worker)
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING
        time.sleep(LEASE_SECONDS + 0.5)  # the heartbeat died with the worker
        assert recovery.runs_recover(enqueue=enqueue_run) == 1  # what beat's task does
        worker = start_worker(live_server)
        follow = wait_for(
            lambda: SyncRun.objects.filter(trigger=Trigger.RECOVERY, status="succeeded").first(),
            90,
            "the recovery run to finish",
        )
    finally:
        kill(worker)
        faults.reset_faults()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error.startswith(recovery.WORKER_LOST)
    assert follow.params["cor_ids"] == [c.pk for c in cors[25:]]
    [event] = procore.records("change_events")
    tags = Counter(key_of(i["description"]) for i in event["change_event_line_items"])
    assert len(tags) == 30 and set(tags.values()) == {1}
    assert CorPush.objects.filter(change_event_id=event["id"]).count() == 30
    assert not SyncRun.objects.filter(status__in=["queued", "running"]).exists()
