"""Records created or changed in Trestle go to Procore by sync action, once, with our origin_id."""

import pytest

from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, RunStatus, SyncItem
from apps.procore_sync.runs import run_queue
from apps.timecards.models import Employee

pytestmark = pytest.mark.django_db(transaction=True)


def sync(office, **params):
    run = run_queue(
        office=office, flow="entities", trigger="user", params=params, enqueue=lambda _: None
    )
    return run_execute(run.pk)


@pytest.fixture
def both_ways(procore):
    procore.settings.directions = {"employees": "both"}
    procore.settings.save()
    return procore


def employees_in_procore(procore) -> list[dict]:
    return [u for u in procore.records("users") if u.get("is_employee")]


def test_a_new_employee_is_created_in_procore_once(both_ways, tenant):
    Employee.objects.create(office=tenant.office, employee_id="E-9", first_name="Ana",
                            last_name="Ruiz", email="ana@acme.test")  # fmt: skip
    run = sync(tenant.office, entities=["employees"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    (created,) = employees_in_procore(both_ways)
    assert created["origin_id"].startswith("trestle-company_user-")
    assert created["email_address"] == "ana@acme.test"
    assert ExternalRef.objects.get(procore_type="company_user").procore_id == created["id"]
    for _ in range(2):  # the echo comes back unchanged, and nothing is sent again
        again = sync(tenant.office, entities=["employees"])
        assert again.counts.get("updated", 0) == 0 and again.counts.get("exported_created", 0) == 0
    assert len(employees_in_procore(both_ways)) == 1


def test_an_edit_in_trestle_updates_the_same_procore_user(both_ways, tenant):
    ana = Employee.objects.create(office=tenant.office, last_name="Ruiz", email="ana@acme.test")
    sync(tenant.office, entities=["employees"])
    ana.city = "Waco"
    ana.save()
    run = sync(tenant.office, entities=["employees"])
    assert run.counts["exported_updated"] == 1
    (user,) = employees_in_procore(both_ways)
    assert user["city"] == "Waco"


def test_procore_refusals_land_on_the_record(both_ways, tenant):
    Employee.objects.create(office=tenant.office, last_name="NoMail")
    run = sync(tenant.office, entities=["employees"])
    item = SyncItem.objects.get(run=run, outcome="failed")
    assert "email" in item.message
    assert employees_in_procore(both_ways) == []


def test_manual_mode_does_not_create_unlinked_records_in_procore(both_ways, tenant):
    both_ways.settings.auto_import = {"employees": False}
    both_ways.settings.save()
    Employee.objects.create(office=tenant.office, last_name="Ruiz", email="ana@acme.test")
    sync(tenant.office, entities=["employees"])
    assert employees_in_procore(both_ways) == []
