"""A line of a pushed Change Event changed in Procore reaches the "Procore vs Trestle" report by
webhook: the delivery's run re-reads the event (one request per project) and replaces those
CORs' open differences as the nightly report would, against the sandbox over real HTTP."""

import pytest
from django.core import mail

from apps.procore_sandbox import change_events, faults, store, webhook_sender
from apps.procore_sandbox.models import SandboxDelivery, SandboxRecord
from apps.procore_sync.client import resources
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun, Trigger, WebhookDelivery
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.reconcile_models import Difference
from apps.procore_sync.runs import run_queue
from apps.procore_sync.webhooks import webhooks_register
from tests.reconciling import report_run as report

from .conftest import line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reads(monkeypatch) -> list[tuple[int, list[int]]]:
    """Each Change Event list Trestle asks for: (project id, ids asked for)."""
    asked: list[tuple[int, list[int]]] = []
    listed = resources.change_events

    def spy(client, *, project_id, params=None):
        asked.append((project_id, sorted(int(i) for i in (params or {}).get("filters[id][]", []))))
        return listed(client, project_id=project_id, params=params)

    monkeypatch.setattr(resources, "change_events", spy)
    return asked


@pytest.fixture
def pushed(procore, target, tenant, webhook_queued):
    """Two CORs pushed into one Change Event, with the office's hook (our own writes' echoes
    delivered and dropped)."""
    webhooks_register(procore.connection)
    extra = make_cor(target, tenant.owner, "Extra rebar", line(target, "85", qty="10"))
    credit = make_cor(target, tenant.owner, "Deduct", line(target, "-120", cost_type="material"))
    assert push(target, tenant.owner, [extra, credit]).status == "succeeded"
    webhook_sender.deliver_due()
    assert webhook_queued == []
    return CorPush.objects.get(cor=extra), CorPush.objects.get(cor=credit)


def applied(webhook_queued: list[int]) -> SyncRun:
    """Deliver what the sandbox owes, then run the one run the deliveries webhook_queued."""
    webhook_sender.deliver_due()
    (run_id,) = webhook_queued
    webhook_queued.clear()
    return run_execute(run_id)


def line_set(pushed: CorPush, unit_cost, **changes) -> None:
    """A Procore user's edit of the pushed line (no app: not an echo)."""
    record = SandboxRecord.objects.get(id=pushed.change_event_id)
    (key,) = pushed.line_ids
    change = {"id": pushed.line_ids[key], "estimated_cost_unit_cost": unit_cost}
    store.record_update(record, {"change_event_line_items_attributes": [change], **changes})
    change_events.derive(record)


def open_differences() -> list[Difference]:
    return list(Difference.objects.filter(resolved_at__isnull=True))


def test_a_line_changed_in_procore_is_on_the_report_after_its_webhook(
    pushed, webhook_queued, reads
):
    extra, _ = pushed
    line_set(extra, 93.5)
    # the line's own event alone (the event's "update" is another test's): found by its push
    SandboxDelivery.objects.filter(event__resource_name="Change Events").delete()

    run = applied(webhook_queued)

    assert (run.flow, run.status) == ("webhook", "succeeded"), run.error
    delivered = WebhookDelivery.objects.exclude(state="")  # not the echoes of our push
    assert list(delivered.values_list("resource_name", "state")) == [
        ("Change Event Line Items", "applied")
    ]
    [difference] = open_differences()
    assert (difference.object_id, difference.field, difference.side) == (
        extra.cor_id, "amount", "procore"
    )  # fmt: skip
    assert (difference.trestle_value, difference.procore_value) == ("850.00", "935.00")
    assert difference.run_id == run.pk and run.counts["differences"] == 1
    assert reads == [(extra.procore_project_id, [extra.change_event_id])]  # one read


def test_found_again_it_keeps_its_first_found_at_and_set_back_it_is_resolved(
    pushed, webhook_queued, tenant
):
    extra, _ = pushed
    line_set(extra, 93.5)
    applied(webhook_queued)
    [first] = open_differences()

    line_set(extra, 99)  # the same line's amount again: the same difference
    applied(webhook_queued)
    [again] = open_differences()
    assert again.pk != first.pk and again.procore_value == "990.00"
    assert again.first_found_at == first.first_found_at
    first.refresh_from_db()
    assert first.resolved_at is not None

    line_set(extra, 85)  # back to what Trestle pushed
    assert applied(webhook_queued).status == "succeeded"
    assert open_differences() == []
    assert report(tenant).differences.count() == 0  # the nightly report agrees


def test_the_webhook_finds_what_the_nightly_report_finds(pushed, webhook_queued, tenant):
    extra, _ = pushed
    line_set(extra, 93.5)
    applied(webhook_queued)
    by_webhook = {(d.identity, d.message) for d in open_differences()}
    nightly = report(tenant)
    assert {(d.identity, d.message) for d in nightly.differences.all()} == by_webhook


def test_a_status_and_a_line_changed_together_take_one_read(pushed, webhook_queued, target, reads):
    extra, _ = pushed
    line_set(extra, 93.5, change_event_status_id=target.statuses["Pending"])

    run = applied(webhook_queued)  # the event's delivery and its line's: one run, one read

    assert run.status == "succeeded", run.error
    assert set(CorPush.objects.values_list("change_event_status", flat=True)) == {"Pending"}
    assert run.items.get(entity="change_event").message == "Status Open -> Pending."
    assert [(d.object_id, d.field) for d in open_differences()] == [(extra.cor_id, "amount")]
    assert reads == [(extra.procore_project_id, [extra.change_event_id])]


def test_an_event_delivery_refreshes_its_lines_too(pushed, webhook_queued, procore):
    extra, _ = pushed
    record = SandboxRecord.objects.get(id=extra.change_event_id)
    (key,) = extra.line_ids
    for item in record.data["change_event_line_items"]:
        if item["id"] == extra.line_ids[key]:
            item["estimated_cost_unit_cost"] = 90  # x 10, as Procore works it out
    record.save()  # a change Procore announced nothing for
    change_events.status_set(
        company=procore.company, change_event_id=extra.change_event_id, status="Closed"
    )

    run = applied(webhook_queued)

    assert run.status == "succeeded"
    assert [(d.field, d.procore_value) for d in open_differences()] == [("amount", "900.00")]
    assert set(CorPush.objects.values_list("change_event_status", flat=True)) == {"Closed"}


def test_a_line_of_an_event_trestle_did_not_push_reads_only_its_own_events(
    pushed, webhook_queued, target, procore, reads
):
    extra, _ = pushed
    theirs = procore.add(
        "change_events",
        project_id=target.procore_project_id,
        title="Theirs",
        change_event_line_items_attributes=[{"description": "Paint"}],
    )
    other = procore.add("projects", name="Annex", project_number="A-1", active=True)
    procore.add(
        "change_events",
        project_id=other.id,
        title="Elsewhere",
        change_event_line_items_attributes=[{"description": "Tile"}],
    )

    run = applied(webhook_queued)

    assert run.status == "succeeded", run.error
    assert theirs.id not in {i for _, ids in reads for i in ids}
    assert reads == [(target.procore_project_id, [extra.change_event_id])]  # no read of Annex
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"", "applied"}


def test_an_unreadable_answer_fails_the_change_and_keeps_the_report(pushed, webhook_queued):
    extra, _ = pushed
    line_set(extra, 93.5)
    applied(webhook_queued)
    [before] = open_differences()
    line_set(extra, 99)
    faults.set_faults(wrong_type=1.0, wrong_type_fields=["id"], paths=["/rest/v1.0/change_events"])
    try:
        run = applied(webhook_queued)
    finally:
        faults.reset_faults()

    assert run.status == "partial"
    failed = run.items.filter(entity="webhook_change")  # the line's change and its event's
    assert {(i.outcome, i.message) for i in failed} == {
        ("failed", "Procore's answer for its Change Event could not be read.")
    }
    assert open_differences() == [before]  # nothing reported as deleted, nothing dropped
    assert WebhookDelivery.objects.filter(state="failed").count() == failed.count() == 2


def test_the_nightly_mail_names_what_a_webhook_found_since_the_last_report(pushed, webhook_queued):
    extra, _ = pushed
    assert nightly(extra).status == "succeeded" and mail.outbox == []
    line_set(extra, 93.5)
    applied(webhook_queued)  # on the report at once; no report has had it yet

    nightly(extra)
    [sent] = mail.outbox
    assert "is $935.00; Trestle pushed $850.00" in sent.body
    nightly(extra)
    assert len(mail.outbox) == 1  # the last report had it: not mailed again


def nightly(pushed: CorPush) -> SyncRun:
    run = run_queue(
        office=pushed.office, flow="reconcile", trigger=Trigger.SCHEDULE, enqueue=lambda i: None
    )
    return run_execute(run.pk)
