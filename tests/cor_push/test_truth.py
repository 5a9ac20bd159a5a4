"""A push is never reported better than it went: an error of ours fails every COR it had not
done, Retry failed sends exactly those, and a push whose worker died is finished by recovery
into the same Change Event, counting what the dead attempt had landed as done."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.procore_sync import recovery
from apps.procore_sync.cor_push import push as push_module
from apps.procore_sync.cor_push.lines import key_of
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun, Trigger
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.runs import run_retry_failed
from apps.procore_sync.work import NothingLeft

from .conftest import line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the worker gets to handle it."""


def break_batch(monkeypatch, number: int, error: BaseException, *, after_write: bool) -> None:
    """Batch `number` (1-based) fails before it is sent, or after Procore applied it."""
    calls = Counter()
    write = push_module.Pusher._write

    def flaky(self, batch):
        calls["n"] += 1
        if calls["n"] == number and not after_write:
            raise error
        event = write(self, batch)
        if calls["n"] == number:
            raise error
        return event

    monkeypatch.setattr(push_module, "BATCH_CORS", 2)
    monkeypatch.setattr(push_module.Pusher, "_write", flaky)


def tags(procore) -> Counter:
    [event] = procore.records("change_events")
    return Counter(key_of(i["description"]) for i in event["change_event_line_items"])


def five_cors(target, tenant):
    return [make_cor(target, tenant.owner, f"C{n}", line(target, "10")) for n in range(5)]


def test_an_error_of_ours_fails_every_cor_not_done_and_retry_sends_exactly_those(
    procore, target, tenant, monkeypatch
):
    cors = five_cors(target, tenant)
    break_batch(monkeypatch, 2, RuntimeError("boom"), after_write=False)
    run = push(target, tenant.owner, cors)
    assert run.status == RunStatus.FAILED and "unexpected error (RuntimeError)" in run.error
    failed = run.items.filter(outcome="failed")
    assert sorted(failed.values_list("object_id", flat=True)) == [c.pk for c in cors[2:]]
    assert all(
        "RuntimeError" in m and "C" in label for m, label in failed.values_list("message", "label")
    )
    monkeypatch.undo()
    retry = run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None)
    assert retry.params["cor_ids"] == [c.pk for c in cors[2:]]
    retry = run_execute(retry.pk)
    assert retry.status == RunStatus.SUCCEEDED and retry.counts == {"created": 3}
    assert set(tags(procore).values()) == {1} and len(tags(procore)) == 5
    with pytest.raises(NothingLeft):
        run_retry_failed(run=retry, user=tenant.owner, enqueue=lambda _: None)


def test_a_killed_push_is_finished_by_recovery_into_the_same_change_event(
    procore, target, tenant, monkeypatch
):
    cors = five_cors(target, tenant)
    break_batch(monkeypatch, 2, Killed(), after_write=True)  # Procore has COR 3 and 4, we don't
    with pytest.raises(Killed):
        push(target, tenant.owner, cors)
    monkeypatch.undo()
    dead = SyncRun.objects.get(flow="cor_push")
    assert dead.status == RunStatus.RUNNING
    SyncRun.objects.filter(pk=dead.pk).update(lease_expires_at=timezone.now() - timedelta(1))
    sent: list[int] = []
    assert recovery.runs_recover(enqueue=sent.append) == 1
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.error.startswith(recovery.WORKER_LOST)
    [follow] = SyncRun.objects.filter(pk__in=sent)
    assert follow.trigger == Trigger.RECOVERY and follow.params["cor_ids"] == [
        c.pk for c in cors[2:]
    ]
    done = run_execute(follow.pk)
    assert done.status == RunStatus.SUCCEEDED, list(done.items.values_list("message", flat=True))
    assert set(tags(procore).values()) == {1} and len(tags(procore)) == 5
    assert CorPush.objects.filter(change_event_id__isnull=False).count() == 5
    assert recovery.runs_recover(enqueue=sent.append) == 0  # nothing ended twice


def test_a_push_killed_before_it_saved_its_new_change_event_still_makes_only_one(
    procore, target, tenant, monkeypatch
):
    cors = five_cors(target, tenant)
    monkeypatch.setattr(SyncRun, "save", kill_when_params_saved(SyncRun.save))
    with pytest.raises(Killed):
        push(target, tenant.owner, cors)
    monkeypatch.undo()
    dead = SyncRun.objects.get(flow="cor_push")
    assert "created_change_event_id" not in dead.params
    SyncRun.objects.filter(pk=dead.pk).update(lease_expires_at=timezone.now() - timedelta(1))
    sent: list[int] = []
    recovery.runs_recover(enqueue=sent.append)
    done = run_execute(sent[0])
    assert done.status == RunStatus.SUCCEEDED
    assert len(procore.records("change_events")) == 1 and len(tags(procore)) == 5


def kill_when_params_saved(save):
    def dying(self, *args, **kwargs):
        if "params" in (kwargs.get("update_fields") or ()):
            raise Killed()
        return save(self, *args, **kwargs)

    return dying


def test_a_lookup_that_cannot_read_an_origin_id_never_makes_a_second_change_event(
    procore, target, tenant, monkeypatch
):
    from apps.procore_sandbox import faults

    cors = five_cors(target, tenant)
    monkeypatch.setattr(SyncRun, "save", kill_when_params_saved(SyncRun.save))
    with pytest.raises(Killed):  # the Change Event is made; the worker dies before noting it
        push(target, tenant.owner, cors)
    monkeypatch.undo()
    dead = SyncRun.objects.get(flow="cor_push")
    SyncRun.objects.filter(pk=dead.pk).update(lease_expires_at=timezone.now() - timedelta(1))
    sent: list[int] = []
    recovery.runs_recover(enqueue=sent.append)
    # The recovery's lookup lists the event with our origin_id turned into a number.
    faults.set_faults(
        wrong_type=1.0,
        wrong_type_fields=["origin_id"],
        paths=["/rest/v1.0/change_events"],
        methods=["GET"],
    )
    run = run_execute(sent[0])
    assert run.can_retry and "could not be read" in run.items.filter(outcome="failed")[0].message
    faults.reset_faults()
    run = run_execute(run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None).pk)
    assert run.status == RunStatus.SUCCEEDED
    assert len(procore.records("change_events")) == 1 and len(tags(procore)) == 5
