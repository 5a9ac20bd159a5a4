"""An entity export packs a sync endpoint's changed records into full calls, however they are
spread over the scanned chunks: N changes cost exactly ceil(N/limit) sync calls. The limit (1,000)
and the scan chunk are cut to 10 here so a cheap run has the spread that made 1,055-record groups
(sent as 1,000 + 55) at full size."""

import math

import pytest

from apps.procore_sandbox import faults, generic
from apps.procore_sync.client import sync as sync_client
from apps.procore_sync.engine_models import ExternalRef, RunStatus, SyncItem
from apps.procore_sync.exporters import entities as exporters
from apps.timecards.models import Employee

from .test_entity_export import employees_in_procore, sync

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 10
USERS_SYNC = "/users/sync"


@pytest.fixture
def sync_calls(monkeypatch) -> list[int]:
    """The size of each users sync call the sandbox answered, with a limit of LIMIT records."""
    for module, name in ((exporters, "SYNC_BATCH"), (sync_client, "SYNC_BATCH"),
                         (exporters, "CHUNK"), (generic, "SYNC_LIMIT")):  # fmt: skip
        monkeypatch.setattr(module, name, LIMIT)
    calls, handler = [], generic.HANDLERS["sync"]

    def counted(ctx, resource):
        if ctx.request.path.endswith(USERS_SYNC):
            calls.append(len(ctx.body["updates"]))
        return handler(ctx, resource)

    monkeypatch.setitem(generic.HANDLERS, "sync", counted)
    return calls


@pytest.fixture
def linked_employees(procore, tenant, sync_calls) -> list[Employee]:
    """40 employees created in Procore by a first export (4 full calls)."""
    procore.settings.directions = {"employees": "both"}
    procore.settings.save()
    employees = Employee.objects.bulk_create(
        Employee(
            office=tenant.office,
            employee_id=f"E-{n:03}",
            first_name="Ana",
            last_name=f"Ruiz {n:03}",
            email=f"e{n:03}@acme.test",
        )
        for n in range(40)
    )
    run = sync(tenant.office, entities=["employees"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert sync_calls == [LIMIT] * 4
    sync_calls.clear()
    return employees


def change_spread(employees) -> list[Employee]:
    """6 of every 10 (one scan chunk): no chunk alone fills a call, two overfill one."""
    changed = [e for n, e in enumerate(employees) if n % 10 < 6]
    for employee in changed:
        employee.last_name += " Jr"
    Employee.objects.bulk_update(changed, ["last_name"])
    return changed


def test_spread_changes_cost_exactly_ceil_n_over_the_limit_calls(
    linked_employees, tenant, procore, sync_calls
):
    changed = change_spread(linked_employees)
    run = sync(tenant.office, entities=["employees"])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert len(sync_calls) == math.ceil(len(changed) / LIMIT) == 3  # was 4: 10 + 2, 10 + 2
    assert sync_calls == [LIMIT, LIMIT, 4]
    assert run.counts["exported_updated"] == len(changed) == 24
    items = SyncItem.objects.filter(run=run, direction="out")
    assert sorted(i.object_id for i in items) == sorted(e.pk for e in changed)
    assert {i.outcome for i in items} == {"updated"}
    in_procore = {u["origin_id"]: u for u in employees_in_procore(procore)}
    assert len(in_procore) == 40  # updated in place by origin_id, never a second user
    refs = {r.object_id: r for r in ExternalRef.objects.filter(procore_type="company_user")}
    for employee in changed:
        user = in_procore[refs[employee.pk].origin_id]
        assert user["last_name"].endswith(" Jr") and user["id"] == refs[employee.pk].procore_id


def test_a_call_whose_answer_cannot_be_read_fails_its_record_alone(
    linked_employees, tenant, sync_calls
):
    changed = change_spread(linked_employees)
    faults.set_faults(seed=2, wrong_type=1.0, wrong_type_fields=["id"], paths=["/rest/v1.0/"],
                      methods=["PATCH"], max_faults=1)  # fmt: skip
    run = sync(tenant.office, entities=["employees"])

    assert run.status == RunStatus.PARTIAL, run.error
    assert len(sync_calls) == 3
    assert run.counts["exported_updated"] == len(changed) - 1 and run.counts["failed"] == 1
    failed = SyncItem.objects.get(run=run, outcome="failed")
    assert "'id' should be a Procore id" in failed.message
    first_call = {e.pk for e in changed[:LIMIT]}
    assert failed.object_id in first_call  # the fault hit the first call only
