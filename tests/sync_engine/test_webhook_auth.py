"""Webhook deliveries are authenticated by the secret our hook sends in its Authorization
header (the URL's token is the second factor) and belong to the connection's company only."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.procore_sandbox import faults, webhook_sender
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine_models import SyncRun, SyncSettings, WebhookDelivery
from apps.procore_sync.webhooks import webhooks_register

pytestmark = pytest.mark.django_db(transaction=True)
MARIA = {"first_name": "Maria", "last_name": "Lopez", "email_address": "maria@acme.test"}


def event(ulid: str, company: int) -> dict:
    return {
        "id": 1, "ulid": ulid, "event_type": "update", "resource_name": "Company Users",
        "resource_id": 42, "company_id": company, "metadata": {}, "api_version": "v2.0",
    }  # fmt: skip


@pytest.fixture
def hook(procore) -> dict:
    webhooks_register(procore.connection)
    procore.settings.refresh_from_db()
    (hook,) = procore.records("webhook_hooks")
    return hook


def post(client, procore, body: dict, **headers):
    url = f"/procore/webhooks/{procore.settings.webhook_token}/"
    return client.post(url, body, content_type="application/json", **headers)


def nothing_recorded() -> bool:
    return not WebhookDelivery.objects.exists() and not SyncRun.objects.exists()


def test_the_hook_sends_a_secret_whose_hash_alone_is_kept(procore, hook):
    secret = hook["destination_headers"]["Authorization"]
    assert secret.startswith("Bearer ") and len(secret) > 40
    stored = SyncSettings.objects.get(office=procore.connection.office)
    assert stored.webhook_secret_hash and secret.removeprefix("Bearer ") not in str(
        SyncSettings.objects.filter(pk=stored.pk).values().get()
    )


def test_registering_again_replaces_the_secret(client, procore, hook, webhook_queued):
    old = hook["destination_headers"]["Authorization"]
    webhooks_register(procore.connection)
    procore.settings.refresh_from_db()
    response = post(client, procore, event("01OLD", procore.company.id), HTTP_AUTHORIZATION=old)
    assert response.status_code == 401 and nothing_recorded() and webhook_queued == []


def test_a_delivery_without_the_secret_is_refused_and_records_nothing(
    client, procore, hook, webhook_queued
):
    response = post(client, procore, event("01NONE", procore.company.id))
    assert response.status_code == 401 and nothing_recorded() and webhook_queued == []


def test_a_delivery_with_a_wrong_secret_is_refused_and_records_nothing(
    client, procore, hook, webhook_queued
):
    for wrong in ("Bearer nope", hook["destination_headers"]["Authorization"][7:], "Bearer "):
        response = post(client, procore, event("01BAD", procore.company.id),
                        HTTP_AUTHORIZATION=wrong)  # fmt: skip
        assert response.status_code == 401
    assert nothing_recorded() and webhook_queued == []


def test_a_forged_delivery_naming_another_company_queues_nothing(
    client, procore, hook, webhook_queued
):
    auth = hook["destination_headers"]["Authorization"]
    response = post(client, procore, event("01FORGED", procore.company.id + 1),
                    HTTP_AUTHORIZATION=auth)  # fmt: skip
    assert response.json() == {"outcome": "ignored: another company"}
    assert webhook_queued == [] and not SyncRun.objects.exists()
    assert WebhookDelivery.objects.get().outcome == "ignored: another company"


def test_a_hook_registered_before_secrets_existed_queues_nothing(
    client, procore, hook, webhook_queued
):
    """Its deliveries carry no header: refused until the office registers again."""
    SyncSettings.objects.filter(office=procore.connection.office).update(webhook_secret_hash="")
    record = SandboxRecord.objects.get(pk=hook["id"])
    record.data.pop("destination_headers")
    record.save(update_fields=["data"])
    procore.add("users", **MARIA)
    assert webhook_sender.deliver_due() == 1
    assert webhook_queued == [] and nothing_recorded()


def test_a_genuine_sandbox_delivery_queues_its_run_and_its_duplicate_nothing(
    procore, hook, webhook_queued
):
    faults.set_faults(webhook_duplicate=1.0)  # Procore posts it twice
    procore.add("users", **MARIA)
    assert webhook_sender.deliver_due() == 2
    assert len(webhook_queued) == 1 and WebhookDelivery.objects.get().outcome == "sync"


def test_the_operator_command_registers_an_older_hook_again(procore, hook, webhook_queued):
    SyncSettings.objects.filter(office=procore.connection.office).update(webhook_secret_hash="")
    office = procore.connection.office.pk
    call_command("procore_webhooks_register", office=office, stdout=StringIO())
    (again,) = procore.records("webhook_hooks")
    assert again["id"] != hook["id"] and again["destination_headers"]["Authorization"]
    procore.add("users", **MARIA)
    assert webhook_sender.deliver_due() == 1 and len(webhook_queued) == 1


def test_the_operator_command_says_when_no_company_is_connected(tenant):
    with pytest.raises(CommandError, match="no Procore company"):
        call_command("procore_webhooks_register", office=tenant.office.pk)
