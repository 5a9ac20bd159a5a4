"""Procore webhooks end to end: Trestle registers its hook in the sandbox, the sandbox posts
its deliveries to Trestle's webhook URL on the live server, and the webhook_queued runs execute."""

from collections.abc import Callable

import pytest
from django.http import HttpResponse

from apps.procore_sandbox import faults, webhook_resources, webhook_sender
from apps.procore_sandbox.models import SandboxDelivery
from apps.procore_sync.client import resources
from apps.procore_sync.client.errors import ValidationError
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun, WebhookDelivery
from apps.procore_sync.webhooks import RESOURCES, Subscription, webhooks_register
from apps.timecards.models import Employee

pytestmark = pytest.mark.django_db(transaction=True)
MARIA = {
    "first_name": "Maria", "last_name": "Lopez", "email_address": "maria@acme.test",
    "employee_id": "E-1", "is_employee": True, "is_active": True,
}  # fmt: skip


def event(ulid: str, company: int, resource: str = "Company Users", **metadata) -> dict:
    return {
        "id": 1, "ulid": ulid, "event_type": "update", "resource_name": resource,
        "resource_id": 42, "company_id": company, "metadata": metadata, "api_version": "v2.0",
    }  # fmt: skip


@pytest.fixture
def hook_url(procore, client):
    webhooks_register(procore.connection)
    procore.settings.refresh_from_db()
    return f"/procore/webhooks/{procore.settings.webhook_token}/"


@pytest.fixture
def post(client, procore, hook_url) -> Callable[..., HttpResponse]:
    """Posts to our hook URL as Procore does: with the headers the hook was registered with."""
    (hook,) = procore.records("webhook_hooks")
    authorization = hook["destination_headers"]["Authorization"]

    def send(body: object, *, url: str = hook_url, auth: str | None = authorization):
        headers = {} if auth is None else {"HTTP_AUTHORIZATION": auth}
        return client.post(url, body, content_type="application/json", **headers)

    return send


def test_registering_creates_one_hook_with_triggers_in_procore(procore, hook_url):
    (hook,) = procore.records("webhook_hooks")
    assert hook["destination_url"].endswith(hook_url)
    webhooks_register(procore.connection)  # again: replaced, not duplicated
    assert len(procore.records("webhook_hooks")) == 1


def test_registering_subscribes_only_to_events_procore_publishes(procore, hook_url):
    triggers = {(t["resource_name"], t["event_type"]) for t in procore.records("webhook_triggers")}
    assert triggers == {(name, e) for name, sub in RESOURCES.items() for e in sub.events}
    assert all(event in webhook_resources.RESOURCES[name] for name, event in triggers)
    assert ("Company Users", "delete") not in triggers
    assert ("Timecard Time Types", "update") not in triggers


def test_a_trigger_procore_refuses_is_an_error_not_a_silence(procore, monkeypatch):
    unpublished = Subscription("commitments", ("create",))
    monkeypatch.setitem(RESOURCES, "Requisitions", unpublished)
    with pytest.raises(ValidationError, match=r"refused 1 webhook trigger.*Requisitions create"):
        webhooks_register(procore.connection)


def test_the_company_page_tells_which_triggers_procore_refused(
    owner_client, tenant, procore, monkeypatch
):
    monkeypatch.setitem(RESOURCES, "Requisitions", Subscription("x", ("create",)))
    page = owner_client.post(
        f"/settings/offices/{tenant.office.pk}/integrations/procore/company/",
        {"company_id": procore.company.id},
        follow=True,
    ).content.decode()
    assert "webhooks could not be set up" in page and "Requisitions create" in page


def test_a_change_in_procore_comes_through_its_webhook_into_trestle(
    procore, hook_url, webhook_queued
):
    maria = procore.add("users", **MARIA)
    assert webhook_sender.deliver_due() == 1
    assert run_execute(webhook_queued.pop()).status == RunStatus.SUCCEEDED
    assert Employee.objects.get().last_name == "Lopez"

    procore.change(maria, last_name="Byron")  # a Procore user edits her name
    assert webhook_sender.deliver_due() == 1
    (run_id,) = webhook_queued
    run = run_execute(run_id)
    assert (run.flow, run.trigger, run.status) == ("webhook", "webhook", RunStatus.SUCCEEDED)
    assert Employee.objects.get().last_name == "Byron"
    rows = WebhookDelivery.objects.values_list("outcome", "state")
    assert list(rows) == [("sync", "applied"), ("sync", "applied")]
    assert set(SandboxDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_delivery_sent_twice_starts_one_run(procore, hook_url, webhook_queued):
    faults.set_faults(webhook_duplicate=1.0)
    procore.add("users", **MARIA)
    assert webhook_sender.deliver_due() == 2
    assert len(webhook_queued) == 1 and SyncRun.objects.filter(trigger="webhook").count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_change_made_by_trestle_comes_back_as_an_echo_and_is_dropped(
    procore, hook_url, webhook_queued
):
    client = ProcoreClient(procore.connection)
    resources.company_users_sync(client, company_id=procore.company.id, updates=[MARIA])
    assert webhook_sender.deliver_due() == 1
    assert webhook_queued == [] and not SyncRun.objects.exists()
    assert WebhookDelivery.objects.get().outcome == "echo of our own write"


def test_duplicate_deliveries_start_one_run(procore, post):
    for _ in range(3):
        response = post(event("01ABC", procore.company.id))
        assert response.status_code == 200
    assert SyncRun.objects.filter(trigger="webhook").count() == 1
    assert WebhookDelivery.objects.get().state == "pending"


def test_an_unknown_token_is_refused_and_writes_nothing(procore, post):
    response = post(event("01X", procore.company.id), url="/procore/webhooks/nope/")
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0 and SyncRun.objects.count() == 0


def test_events_from_our_own_writes_are_dropped(settings, procore, post):
    settings.PROCORE_APP_ID = "trestle-app"
    post(event("01Y", procore.company.id, source_application_id="trestle-app"))
    assert SyncRun.objects.count() == 0
    assert WebhookDelivery.objects.get().outcome == "echo of our own write"


def test_an_event_naming_no_record_is_kept_as_ignored(procore, post):
    body = {**event("01NR", procore.company.id), "resource_id": "42"}  # not a Procore id
    assert post(body).json() == {"outcome": "ignored: names no record"}
    assert not SyncRun.objects.exists()
    assert WebhookDelivery.objects.get().state == ""


def test_bad_bodies_get_a_clear_400(post):
    assert post("not json").status_code == 400
