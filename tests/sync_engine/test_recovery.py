"""Runs end truthfully and nothing waits forever: failures of ours fail what was not done, dead
workers' runs are ended and continued by the sweeper, queued runs get one message, not a pile."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.procore_sync import engine, recovery, runs, schedules
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun, Trigger
from apps.procore_sync.importers import fetch
from apps.procore_sync.runs import run_queue, run_retry_failed
from apps.procore_sync.work import NothingLeft

pytestmark = pytest.mark.django_db(transaction=True)
AGO = timedelta(minutes=5)


def queued(office, flow="entities", **params) -> SyncRun:
    return run_queue(
        office=office, flow=flow, trigger="user", params=params, enqueue=lambda _: None
    )


def running(office, flow="entities", *, lease: timedelta, **params) -> SyncRun:
    run = queued(office, flow, **params)
    SyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, lease_expires_at=timezone.now() + lease
    )
    return run


def test_an_error_in_one_kind_fails_it_and_the_kinds_not_reached(procore, tenant, monkeypatch):
    def broken(ctx, since):
        raise RuntimeError("a bug")
        yield  # a generator, like the real fetchers

    monkeypatch.setitem(fetch.FETCHERS, "projects", broken)
    run = run_execute(queued(tenant.office, entities=["employees", "projects", "vendors"]).pk)
    assert run.status == RunStatus.FAILED and "RuntimeError" in run.error
    failed = dict(run.items.filter(outcome="failed").values_list("entity", "label"))
    assert failed == {"projects": "Projects", "vendors": "Vendors"}
    monkeypatch.undo()
    retry = run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None)
    assert retry.params["entities"] == ["projects", "vendors"] and retry.params["full"]
    assert run_execute(retry.pk).status == RunStatus.SUCCEEDED


def test_a_flow_without_units_fails_as_a_whole_and_is_retried_as_asked(
    procore, tenant, monkeypatch
):
    def broken(run, recorder):
        raise ValueError("a bug")

    monkeypatch.setitem(engine.FLOWS, "change_event_statuses", broken)
    run = run_execute(queued(tenant.office, "change_event_statuses", scope="all").pk)
    assert run.status == RunStatus.FAILED
    assert list(run.items.values_list("outcome", "label")) == [("failed", "This run")]
    retry = run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None)
    assert retry.params == {"scope": "all", "retry_of": run.pk, "origin_run": run.pk}


def test_a_retry_of_a_run_that_went_through_says_there_is_nothing_left(procore, tenant):
    run = run_execute(queued(tenant.office, entities=["vendors"]).pk)
    assert run.status == RunStatus.SUCCEEDED
    with pytest.raises(NothingLeft, match="Nothing is left to do"):
        run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None)
    assert SyncRun.objects.count() == 1


def test_a_dead_run_that_had_done_everything_ends_as_it_went(procore, tenant):
    run = running(tenant.office, lease=-AGO)
    SyncRun.objects.filter(pk=run.pk).update(
        work={"entity": "kind", "ids": ["vendors"], "done": ["vendors"]}
    )
    sent: list[int] = []
    assert recovery.runs_recover(enqueue=sent.append) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and sent == []


def test_a_dead_run_is_ended_and_what_it_left_is_queued_once(procore, tenant):
    run = running(tenant.office, lease=-AGO, entities=["employees", "vendors"])
    SyncRun.objects.filter(pk=run.pk).update(
        work={"entity": "kind", "ids": ["employees", "vendors"], "done": ["employees"]}
    )
    sent: list[int] = []
    assert recovery.runs_recover(enqueue=sent.append) == 1
    assert recovery.runs_recover(enqueue=sent.append) == 0
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and f"run #{sent[0]}" in run.error
    assert list(run.items.values_list("entity", "outcome")) == [("vendors", "failed")]
    follow = SyncRun.objects.get(pk=sent[0])
    assert follow.trigger == Trigger.RECOVERY and follow.params["entities"] == ["vendors"]


def test_a_run_with_a_live_lease_is_left_alone(procore, tenant):
    run = running(tenant.office, lease=AGO)
    assert recovery.runs_recover(enqueue=lambda _: None) == 0
    assert run_execute(run.pk).status == RunStatus.RUNNING  # a second message runs nothing


def test_a_busy_push_waits_without_a_message_and_is_handed_on(procore, tenant):
    holder = running(tenant.office, "cor_push", lease=AGO)
    waiting = run_execute(queued(tenant.office, "cor_push", cor_ids=[]).pk)
    waiting.refresh_from_db()
    assert waiting.status == RunStatus.QUEUED and waiting.enqueued_at is None
    assert recovery.queued_resend(enqueue=lambda _: None) == 0  # the holder hands it on
    SyncRun.objects.filter(pk=holder.pk).update(status=RunStatus.SUCCEEDED)
    holder.refresh_from_db()
    sent: list[int] = []
    schedules.after_run(holder, enqueue=sent.append)
    assert sent == [waiting.pk]


def test_lost_messages_are_resent_one_per_office_and_flow(procore, tenant):
    old = [queued(tenant.office) for _ in range(3)] + [queued(tenant.office, "ap_import")]
    SyncRun.objects.filter(pk__in=[r.pk for r in old]).update(enqueued_at=timezone.now() - AGO)
    fresh = queued(tenant.office, "daily_logs")  # just sent: its message is on its way
    sent: list[int] = []
    assert recovery.queued_resend(enqueue=sent.append) == 2
    assert sent == [old[0].pk, old[3].pk] and fresh.pk not in sent
    assert recovery.queued_resend(enqueue=sent.append) == 0  # not again within PATIENCE


def test_the_heartbeat_keeps_a_slow_run_s_lease(procore, tenant, monkeypatch):
    monkeypatch.setattr(runs, "LEASE", timedelta(seconds=0.6))
    monkeypatch.setattr(runs, "HEARTBEAT", timedelta(seconds=0.2))
    seen: list = []

    def slow(run, recorder):
        for _ in range(6):
            time.sleep(0.25)
            seen.append(SyncRun.objects.get(pk=run.pk).lease_expires_at)

    monkeypatch.setitem(engine.FLOWS, "slow", slow)
    run = run_execute(queued(tenant.office, "slow").pk)
    assert run.status == RunStatus.SUCCEEDED
    assert max(seen) - min(seen) >= timedelta(seconds=0.6)  # renewed while the flow ran
