"""A malformed filter on an API list is a JSON 400 naming the parameter, never silently ignored."""

import pytest

from apps.accounts.models import Role
from apps.procore_sync.engine_models import SyncItem, SyncRun

pytestmark = pytest.mark.django_db

# Every filtering list of the API, with each of its typed parameters given a wrong value.
MALFORMED = [
    ("/api/v1/time-entries/", "date_from", "notadate"),
    ("/api/v1/time-entries/", "date_to", "2025-13-40"),
    ("/api/v1/time-entries/", "project", "abc"),
    ("/api/v1/time-entries/", "employee", "1.5"),
    ("/api/v1/time-entries/", "crew", "x"),
    ("/api/v1/time-entries/", "status", "maybe"),
    ("/api/v1/production-quantities/", "date_from", "yesterday"),
    ("/api/v1/production-quantities/", "project", "abc"),
    ("/api/v1/cors/", "date_from", "notadate"),
    ("/api/v1/cors/", "project", "abc"),
    ("/api/v1/cors/", "status", "maybe"),
    ("/api/v1/cors/", "sort", "nonsense"),
    ("/api/v1/change-notifications/", "box", "spam"),
    ("/api/v1/change-notifications/", "status", "maybe"),
    ("/api/v1/sync-runs/", "office", "north"),
    ("/api/v1/sync-runs/", "date_to", "notadate"),
    ("/api/v1/sync-runs/", "status", "maybe"),
    ("/api/v1/reconcile/differences/", "office", "north"),
    ("/api/v1/reconcile/differences/", "field", "nonsense"),
    ("/api/v1/ap-invoices/", "queue", "abc"),
    ("/api/v1/ap-invoices/", "vendor", "abc"),
    ("/api/v1/ap-invoices/", "status", "maybe"),
    ("/api/v1/ap-queues/", "office", "abc"),
    ("/api/v1/ap-queues/", "active", "perhaps"),
    ("/api/v1/ap-routing-rules/", "office", "abc"),
]


@pytest.mark.parametrize(("url", "param", "value"), MALFORMED)
def test_a_malformed_filter_is_a_json_400_naming_it(api_as, url, param, value):
    response = api_as(Role.OWNER).get(url, {param: value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [param]
    assert response.json()[param][0]  # a readable reason


@pytest.mark.parametrize(("param", "value"), [("outcome", "exploded"), ("entity", "x" * 41)])
def test_a_runs_items_refuse_a_malformed_filter(api_as, tenant, param, value):
    run = SyncRun.objects.create(office=tenant.office, flow="entities", trigger="user")
    SyncItem.objects.create(run=run, entity="vendor", direction="in", label="V", outcome="failed")
    api = api_as(Role.OWNER)
    response = api.get(f"/api/v1/sync-runs/{run.pk}/items/", {param: value})
    assert response.status_code == 400
    assert list(response.json()) == [param]
    kept = api.get(f"/api/v1/sync-runs/{run.pk}/items/", {"outcome": "failed", "entity": "vendor"})
    assert kept.json()["count"] == 1
