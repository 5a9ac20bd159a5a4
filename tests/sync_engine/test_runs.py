"""One run per office and flow; a dead worker's run is failed with a reason; reruns coalesce."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.procore_sync import schedules
from apps.procore_sync.engine import BUSY, run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun, SyncSettings
from apps.procore_sync.recovery import WORKER_LOST, runs_recover
from apps.procore_sync.runs import run_queue

pytestmark = pytest.mark.django_db(transaction=True)


def queued(office, trigger="user", **params) -> SyncRun:
    return run_queue(
        office=office, flow="entities", trigger=trigger, params=params, enqueue=lambda _: None
    )


def test_a_second_run_is_skipped_while_one_holds_the_lease(procore, tenant):
    holder = queued(tenant.office)
    SyncRun.objects.filter(pk=holder.pk).update(
        status=RunStatus.RUNNING, lease_expires_at=timezone.now() + timedelta(minutes=2)
    )
    second = run_execute(queued(tenant.office).pk)
    assert second.status == RunStatus.SKIPPED and second.error == BUSY
    assert SyncSettings.objects.get(office=tenant.office).rerun_requested == ["entities"]


def test_the_follow_up_run_is_queued_when_the_holder_finishes(procore, tenant):
    SyncSettings.objects.filter(office=tenant.office).update(rerun_requested=["entities"])
    finished = run_execute(queued(tenant.office).pk)
    follow_ups = []
    schedules.after_run(finished, enqueue=follow_ups.append)
    assert len(follow_ups) == 1
    assert SyncSettings.objects.get(office=tenant.office).rerun_requested == []


def test_a_run_whose_worker_died_does_not_block_the_next_run(procore, tenant):
    dead = queued(tenant.office)
    SyncRun.objects.filter(pk=dead.pk).update(
        status=RunStatus.RUNNING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    fresh = run_execute(queued(tenant.office).pk)
    assert fresh.status == RunStatus.SUCCEEDED
    assert runs_recover(enqueue=lambda _: None) == 1
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.error.startswith(WORKER_LOST)


def test_a_redelivered_task_of_a_finished_run_does_nothing(procore, tenant):
    run = run_execute(queued(tenant.office).pk)
    again = run_execute(run.pk)
    assert again.status == RunStatus.SUCCEEDED and again.ended_at == run.ended_at


def test_the_schedule_queues_each_due_office_once_per_slot(procore, tenant):
    procore.settings.flows = {"entities": True}
    procore.settings.intervals = {"entities": 30}
    procore.settings.save()
    sent = []
    assert schedules.queue_due_runs(enqueue=sent.append) == 1
    assert schedules.queue_due_runs(enqueue=sent.append) == 0  # same slot: nothing more
    assert SyncRun.objects.filter(office=tenant.office, trigger="schedule").count() == 1


def test_a_switch_whose_flow_is_not_built_queues_nothing(procore, tenant):
    procore.settings.flows = {"entities": True, "cors": True}
    procore.settings.save()
    sent = []
    assert schedules.queue_due_runs(enqueue=sent.append) == 1
    assert list(SyncRun.objects.values_list("flow", flat=True)) == ["entities"]


def test_admins_are_mailed_after_two_failed_scheduled_runs_and_on_recovery(procore, tenant):
    procore.connection.status = "needs_reconnect"
    procore.connection.save()
    for _ in range(2):
        run = run_execute(queued(tenant.office, trigger="schedule").pk)
        schedules.after_run(run, enqueue=lambda _: None)
    assert run.status == RunStatus.FAILED and "not connected" in run.error
    assert len(mail.outbox) == 1 and "failing" in mail.outbox[0].subject
    assert mail.outbox[0].to == [tenant.owner.email]
    procore.connection.status = "connected"
    procore.connection.save()
    run = run_execute(queued(tenant.office, trigger="schedule").pk)
    schedules.after_run(run, enqueue=lambda _: None)
    assert len(mail.outbox) == 2 and "works again" in mail.outbox[1].subject
