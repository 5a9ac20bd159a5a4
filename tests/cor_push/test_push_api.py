"""`POST /api/v1/cor-pushes/` retried with its `Idempotency-Key`: one run, one Change Event."""

import pytest

from apps.accounts.models import Role
from apps.procore_sync import api as sync_api
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun

from .conftest import line, make_cor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Run ids handed to the worker; the test runs them."""
    calls: list[int] = []
    monkeypatch.setattr(sync_api, "enqueue_run", calls.append)
    return calls


def keyed(client, body: dict, key: str):
    return client.post("/api/v1/cor-pushes/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_push_is_one_run_and_one_change_event(api_as, tenant, procore, target, enqueued):
    owner = api_as(Role.OWNER)
    cor = make_cor(target, tenant.owner, "Extra outlet", line(target, "100", code="wiring"))
    body = {
        "project": target.project.pk,
        "cors": [cor.pk],
        "title": "Owner changes",
        "contract": {"type": "commitment", "id": target.commitment_id},
    }
    first = keyed(owner, body, "push-1")
    assert first.status_code == 202, first.json()
    run = SyncRun.objects.get()
    location = first["Location"]
    assert isinstance(location, str) and location.endswith(f"/api/v1/sync-runs/{run.pk}/")
    assert owner.get(location).json()["id"] == run.pk

    again = keyed(owner, body, "push-1")
    assert (again.status_code, again["Location"]) == (202, location)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert SyncRun.objects.count() == 1 and enqueued == [run.pk]
    run_execute(run.pk)
    assert len(procore.records("change_events")) == 1

    changed = keyed(owner, {**body, "title": "Other"}, "push-1")
    assert changed.status_code == 422 and "different request body" in changed.json()["detail"]
    assert SyncRun.objects.count() == 1
