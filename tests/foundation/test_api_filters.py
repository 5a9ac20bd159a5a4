"""A malformed filter on an API list is a JSON 400 naming the parameter, never silently ignored."""

import pytest

from apps.accounts.models import Role
from apps.cors.services import cor_create
from apps.procore_sync.engine_models import SyncItem, SyncRun
from tests.ap_invoices.conftest import ap, make_invoice  # noqa: F401  (fixture)

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


def _garbage(schema: dict) -> str | None:
    """A value the parameter's documented type refuses; None when nothing can be refused."""
    if "enum" in schema:
        return "no-such-choice"
    if schema.get("format") == "date":
        return "2025-02-30"
    if schema.get("type") in ("integer", "number"):
        return "abc"
    if schema.get("type") == "boolean":
        return "perhaps"
    if "maxLength" in schema:
        return "x" * (schema["maxLength"] + 1)
    return None


def _list_operations(client) -> list[tuple[str, list[dict]]]:
    """Every GET of the API that takes query parameters, read from the OpenAPI schema."""
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    found = []
    for path, operations in paths.items():
        query = [p for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if query:
            found.append((path, query))
    return found


def test_every_api_filter_refuses_garbage_with_a_400_naming_it(api_as, tenant, ap):  # noqa: F811
    """Walks the schema, so a list or a filter added later is covered without editing this."""
    api = api_as(Role.OWNER)
    run = SyncRun.objects.create(office=tenant.office, flow="entities", trigger="user")
    ids = {
        "{id}": run.pk,
        "{cor_id}": cor_create(project=ap.project, user=tenant.owner, title="T", lines=[]).pk,
        "{invoice_id}": make_invoice(ap, tenant.owner).pk,
    }
    operations = _list_operations(api)
    unconstrained, wrong = [], []
    for path, parameters in operations:
        url = path
        for placeholder, pk in ids.items():
            url = url.replace(placeholder, str(pk))
        assert api.get(url).status_code == 200, url  # so a 400 below is the parameter's
        for parameter in parameters:
            name, value = parameter["name"], _garbage(parameter["schema"])
            if value is None:
                unconstrained.append(f"{path}?{name}")
                continue
            response = api.get(url, {name: value})
            named = response.status_code == 400 and name in response.json()
            if not named or response["Content-Type"] != "application/json":
                wrong.append(f"{path}?{name}={value[:20]} -> {response.status_code}")
    assert len(operations) >= 13  # the walk really saw the API's lists
    assert unconstrained == [], "free-text filters need a max_length"
    assert wrong == []
