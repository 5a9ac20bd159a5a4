"""Change Event statuses come back from Procore (schedule, webhook, opening the log)."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.procore_sandbox import change_events, webhook_sender
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.cor_push.statuses import FLOW, refresh_if_stale
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.runs import run_queue
from apps.procore_sync.webhooks import webhook_receive, webhooks_register

from .conftest import line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


def close_in_procore(procore, target, push_row) -> None:
    record = SandboxRecord.objects.get(id=push_row.change_event_id)
    procore.change(record, change_event_status_id=target.statuses["Closed"])


def test_a_status_run_brings_back_the_change_event_status(procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    pushed = CorPush.objects.get(cor=cor)
    assert pushed.change_event_status == "Open"
    close_in_procore(procore, target, pushed)

    run = run_queue(office=tenant.office, flow=FLOW, trigger="schedule", enqueue=lambda i: None)
    run_execute(run.pk)
    run.refresh_from_db()

    assert run.status == "succeeded", run.error
    pushed.refresh_from_db()
    assert pushed.change_event_status == "Closed"
    item = run.items.get()
    assert item.entity == "change_event" and item.message == "Status Open -> Closed."
    assert procore.settings.__class__.objects.get(pk=procore.settings.pk).flows[FLOW] is True


def test_an_unreadable_change_event_fails_alone_and_never_writes_a_wrong_status(
    procore, target, tenant
):
    from apps.procore_sandbox import faults

    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    close_in_procore(procore, target, CorPush.objects.get(cor=cor))
    faults.set_faults(wrong_type=1.0, wrong_type_fields=["id"], paths=["/rest/v1.0/change_events"])
    run = run_execute(
        run_queue(office=tenant.office, flow=FLOW, trigger="schedule", enqueue=lambda i: None).pk
    )
    faults.reset_faults()
    assert run.status == "partial"
    assert "could not be read" in run.items.get(outcome="failed").message
    assert CorPush.objects.get(cor=cor).change_event_status == "Open"  # unchanged, not wrong


def test_opening_the_log_checks_stale_statuses_once(
    owner_client, procore, target, tenant, monkeypatch
):
    queued = []
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", queued.append)
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    owner_client.get(reverse("cor_log"))
    assert queued == []  # just pushed: fresh

    CorPush.objects.update(status_checked_at=timezone.now() - timedelta(minutes=10))
    owner_client.get(reverse("cor_log"))
    owner_client.get(reverse("cor_log"))  # the first check is still queued: no second one
    assert len(queued) == 1 and SyncRun.objects.get(pk=queued[0]).flow == FLOW
    assert refresh_if_stale(tenant.account, enqueue=queued.append) == 0


def test_a_change_event_webhook_starts_a_webhook_run(procore, target, tenant):
    procore.settings.webhook_token = "tok"
    procore.settings.webhook_secret_hash = hashlib.sha256(b"s3cret").hexdigest()
    procore.settings.save()
    event = {
        "id": 1,
        "ulid": "01CE",
        "event_type": "update",
        "resource_name": "Change Events",
        "resource_id": 5,
        "project_id": target.procore_project_id,
        "company_id": procore.company.id,
    }
    received = webhook_receive(
        token="tok", authorization="Bearer s3cret", event=event, enqueue=lambda i: None
    )
    assert received == "sync"
    assert SyncRun.objects.filter(flow="webhook", trigger="webhook").count() == 1


def test_a_status_changed_in_procore_reaches_the_log_through_its_webhook_at_once(
    owner_client, procore, target, tenant, monkeypatch
):
    queued = []
    monkeypatch.setattr("apps.procore_sync.views.webhook.enqueue_run", queued.append)
    webhooks_register(procore.connection)
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    assert webhook_sender.deliver_due() == 2 and queued == []  # the event, its line: echoes
    pushed = CorPush.objects.get(cor=cor)

    change_events.status_set(  # a Procore user closes the Change Event
        company=procore.company, change_event_id=pushed.change_event_id, status="Closed"
    )
    assert webhook_sender.deliver_due() == 1
    [run_id] = queued  # queued on delivery, not on a schedule
    run = run_execute(run_id)

    assert (run.flow, run.trigger, run.status) == ("webhook", "webhook", "succeeded")
    pushed.refresh_from_db()
    assert pushed.change_event_status == "Closed"
    assert run.items.get().message == "Status Open -> Closed."
    cell = _push_cell(owner_client.get(reverse("cor_log")).content.decode(), cor)
    assert "Closed" in cell


def _push_cell(page: str, cor) -> str:
    start = page.index(f'id="push-{cor.pk}"')
    return page[start : page.index("</td>", start)]


def test_the_log_says_when_statuses_were_checked_and_refresh_checks_at_once(
    owner_client, procore, target, tenant, monkeypatch
):
    queued = []
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", queued.append)
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])

    page = owner_client.get(reverse("cor_log")).content.decode()
    assert queued == [] and "Change Event statuses checked" in page and " s ago" in page
    assert 'id="ce-statuses-refresh"' in page and "every 60s" in page

    polled = owner_client.get(reverse("cor_log"), {"refresh": "1"}, HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and queued == []  # the page's poll never calls Procore

    page = owner_client.get(reverse("cor_log"), {"refresh": "1"}).content.decode()
    assert len(queued) == 1 and SyncRun.objects.get(pk=queued[0]).flow == FLOW
    assert "being checked in Procore" in page and "every 3s" in page
    close_in_procore(procore, target, CorPush.objects.get(cor=cor))
    run_execute(queued[0])
    polled = owner_client.get(reverse("cor_log"), HTTP_HX_REQUEST="true").content.decode()
    assert "Closed" in _push_cell(polled, cor)


def test_the_open_log_reloads_its_rows_only_when_a_status_came_back(
    owner_client, procore, target, tenant, django_assert_max_num_queries
):
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    page = owner_client.get(reverse("cor_log")).content.decode()
    start = page.index('id="cor-log-version"')
    poll = page[
        page.index('hx-get="', start) + 8 : page.index('"', page.index('hx-get="', start) + 8)
    ]
    assert "every 3s" in page[start : page.index(">", start)]
    with django_assert_max_num_queries(6):  # session, user, membership, the one version query
        assert owner_client.get(poll.replace("&amp;", "&")).status_code == 204  # nothing new

    close_in_procore(procore, target, CorPush.objects.get(cor=cor))
    run_execute(
        run_queue(office=tenant.office, flow=FLOW, trigger="webhook", enqueue=lambda i: None).pk
    )
    changed = owner_client.get(poll.replace("&amp;", "&"))
    assert changed.status_code == 200 and changed.headers["HX-Trigger"] == "cor-log-changed"
    polled = owner_client.get(reverse("cor_log"), HTTP_HX_REQUEST="true").content.decode()
    assert "Closed" in _push_cell(polled, cor)


def test_the_log_version_is_the_callers_own(client, outsider, procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "10"))
    push(target, tenant.owner, [cor])
    client.force_login(outsider.owner)
    assert client.get(reverse("cor_log_changed"), {"v": "0-0-0"}).status_code == 204  # nothing
    client.logout()
    assert client.get(reverse("cor_log_changed")).status_code == 302  # to the login page
