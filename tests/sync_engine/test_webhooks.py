import pytest

from apps.procore_sync.engine_models import SyncRun, WebhookDelivery
from apps.procore_sync.webhooks import webhooks_register

pytestmark = pytest.mark.django_db(transaction=True)


def event(ulid: str, resource: str = "Company Users", **metadata) -> dict:
    return {
        "id": 1, "ulid": ulid, "event_type": "update", "resource_name": resource,
        "resource_id": 42, "company_id": 7, "metadata": metadata, "api_version": "v2.0",
    }  # fmt: skip


@pytest.fixture
def hook_url(procore, client):
    webhooks_register(procore.connection)
    procore.settings.refresh_from_db()
    return f"/procore/webhooks/{procore.settings.webhook_token}/"


def test_registering_creates_one_hook_with_triggers_in_procore(procore, hook_url):
    (hook,) = procore.records("webhook_hooks")
    assert hook["destination_url"].endswith(hook_url)
    webhooks_register(procore.connection)  # again: replaced, not duplicated
    assert len(procore.records("webhook_hooks")) == 1


def test_duplicate_deliveries_start_one_run(client, procore, hook_url):
    for _ in range(3):
        response = client.post(hook_url, event("01ABC"), content_type="application/json")
        assert response.status_code == 200
    assert SyncRun.objects.filter(trigger="webhook").count() == 1
    assert SyncRun.objects.get().params == {"entities": ["employees"]}


def test_an_unknown_token_is_refused_and_writes_nothing(client, procore, hook_url):
    response = client.post("/procore/webhooks/nope/", event("01X"), content_type="application/json")
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0 and SyncRun.objects.count() == 0


def test_events_from_our_own_writes_are_dropped(client, settings, procore, hook_url):
    settings.PROCORE_APP_ID = "trestle-app"
    client.post(hook_url, event("01Y", source_application_id="trestle-app"),
                content_type="application/json")  # fmt: skip
    assert SyncRun.objects.count() == 0
    assert WebhookDelivery.objects.get().outcome == "echo of our own write"


def test_bad_bodies_get_a_clear_400(client, procore, hook_url):
    response = client.post(hook_url, "not json", content_type="application/json")
    assert response.status_code == 400
