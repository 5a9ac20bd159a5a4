"""Each run goes to the queue its kind of work belongs on, on every path that sends one."""

import pytest

from apps.procore_sync import recovery, tasks
from apps.procore_sync.engine_models import SyncRun, Trigger
from apps.procore_sync.queues import BULK, INTERACTIVE, run_queue_name
from apps.procore_sync.runs import run_queue
from apps.procore_sync.wizard import wizard_finish
from config.celery import app


@pytest.mark.parametrize(
    ("flow", "trigger", "params", "queue"),
    [
        ("cor_push", Trigger.USER, {}, INTERACTIVE),  # a push, ours or a customer's
        ("time_export", Trigger.USER, {"start": "2026-01-01"}, INTERACTIVE),  # Export now
        ("ap_import", Trigger.USER, {"full": True}, INTERACTIVE),  # a manual import
        ("entities", Trigger.USER, {"full": False}, INTERACTIVE),  # Sync now
        ("entities", Trigger.USER, {"full": True}, BULK),  # the wizard's first import
        ("reconcile", Trigger.USER, {}, BULK),  # "Compare now" still reads both sides whole
        ("entities", Trigger.SCHEDULE, {}, BULK),
        ("ap_payments", Trigger.SCHEDULE, {}, BULK),
        ("webhook", Trigger.WEBHOOK, {}, BULK),
        ("entities", Trigger.OPERATOR, {}, BULK),
        ("cor_push", Trigger.RECOVERY, {"cor_ids": [1]}, INTERACTIVE),  # a dead push, continued
        ("entities", Trigger.RECOVERY, {"entities": ["employees"]}, BULK),
    ],
)
def test_each_kind_of_run_has_its_queue(flow, trigger, params, queue):
    assert run_queue_name(flow=flow, trigger=trigger, params=params) == queue


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, str]]:
    """What enqueue_run hands Celery: (run id, queue)."""
    messages: list[tuple[int, str]] = []

    def apply_async(args, queue=None, **options):
        messages.append((args[0], queue))

    monkeypatch.setattr(tasks.run_sync, "apply_async", apply_async)
    return messages


@pytest.mark.django_db
def test_a_push_and_a_schedule_leave_on_different_queues(
    tenant, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        push = run_queue(
            office=tenant.office,
            flow="cor_push",
            trigger=Trigger.USER,
            params={"cor_ids": [1]},
            enqueue=tasks.enqueue_run,
        )
        scheduled = run_queue(
            office=tenant.office,
            flow="entities",
            trigger=Trigger.SCHEDULE,
            enqueue=tasks.enqueue_run,
        )
    assert sent == [(push.pk, INTERACTIVE), (scheduled.pk, BULK)]


@pytest.mark.django_db
def test_the_wizard_s_first_import_goes_to_bulk(tenant, sent, django_capture_on_commit_callbacks):
    from apps.procore_sync.engine_models import ImportWizard

    wizard = ImportWizard.objects.create(office=tenant.office)
    with django_capture_on_commit_callbacks(execute=True):
        run = wizard_finish(wizard=wizard, user=tenant.owner, enqueue=tasks.enqueue_run)
    assert sent == [(run.pk, BULK)]


@pytest.mark.django_db
def test_the_sweeper_resends_each_lost_run_on_its_own_queue(tenant, sent):
    push = SyncRun.objects.create(
        office=tenant.office, flow="cor_push", trigger=Trigger.USER, enqueued_at=None
    )
    webhook = SyncRun.objects.create(
        office=tenant.office, flow="webhook", trigger=Trigger.WEBHOOK, enqueued_at=None
    )
    assert recovery.queued_resend(enqueue=tasks.enqueue_run) == 2
    assert sorted(sent) == sorted([(push.pk, INTERACTIVE), (webhook.pk, BULK)])


def test_beat_s_sweeper_is_routed_with_the_pushes_and_the_rest_to_bulk():
    route = app.amqp.router.route
    assert route({}, "procore_sync.recover")["queue"].name == INTERACTIVE
    for task in ("procore_sync.schedule_due", "procore_sync.nightly_full_rereads", "core.ping"):
        assert route({}, task)["queue"].name == BULK
