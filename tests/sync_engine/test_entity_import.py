"""Entity import from the sandbox over HTTP: full, incremental, deactivation, linking, errors."""

import pytest

from apps.ap_invoices.models import Vendor
from apps.offices.models import CustomField
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, RunStatus, SyncItem, SyncRun
from apps.procore_sync.runs import run_queue
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.models import Employee, WorkClassification

pytestmark = pytest.mark.django_db(transaction=True)


def sync(office, **params) -> SyncRun:
    run = run_queue(
        office=office, flow="entities", trigger="user", params=params, enqueue=lambda _: None
    )
    return run_execute(run.pk)


def seed(procore):
    wc = procore.add("work_classifications", name="Carpenter", abbreviation="CARP")
    procore.add(
        "users", first_name="Maria", last_name="Lopez", email_address="maria@acme.test",
        employee_id="E-1", is_employee=True, is_active=True, work_classification_id=wc.id,
        city="Austin", state_code="TX", zip="78701", mobile_phone="512-555-0101",
    )  # fmt: skip
    procore.add("users", first_name="Sam", last_name="Office", email_address="sam@acme.test",
                is_employee=False, is_active=True)  # fmt: skip
    project = procore.add("projects", name="PJA", project_number="200", active=True, city="Austin")
    procore.add("projects", name="Old", project_number="100", active=False)
    procore.add("sub_jobs", project_id=project.id, name="SJB", code="005")
    procore.add("vendors", name="Steel Co", is_active=True)
    return project


def test_a_full_import_then_an_incremental_run_that_changes_nothing(procore, tenant):
    seed(procore)
    first = sync(tenant.office)
    assert first.status == RunStatus.SUCCEEDED, first.error
    employee = Employee.objects.get()
    assert (employee.employee_id, employee.email, employee.work_classification.name) == (
        "E-1", "maria@acme.test", "Carpenter",
    )  # fmt: skip
    assert [p.number for p in Project.objects.all()] == ["200"]  # active projects only
    sub_job = SubJob.objects.get()
    assert (sub_job.full_code, sub_job.full_name) == ("200.005", "PJA.SJB")
    assert Vendor.objects.get().name == "Steel Co"
    assert first.counts["created"] == 5

    second = sync(tenant.office)
    assert second.status == RunStatus.SUCCEEDED
    assert second.counts.get("created", 0) == 0 and second.counts.get("updated", 0) == 0
    assert Employee.objects.count() == 1 and WorkClassification.objects.count() == 1


def test_changes_and_deactivations_in_procore_come_through(procore, tenant):
    seed(procore)
    sync(tenant.office)
    maria = next(r for r in procore.records("users") if r["last_name"] == "Lopez")
    from apps.procore_sandbox.models import SandboxRecord

    procore.change(SandboxRecord.objects.get(pk=maria["id"]), city="Dallas", is_active=False)
    run = sync(tenant.office)
    employee = Employee.objects.get()
    assert employee.city == "Dallas" and employee.active is False
    assert run.counts["deactivated"] == 1
    assert SyncItem.objects.filter(run=run, outcome="deactivated", entity="employees").count() == 1


def test_auto_import_links_an_existing_record_instead_of_duplicating(procore, tenant):
    seed(procore)
    mine = Employee.objects.create(office=tenant.office, employee_id="E-1", last_name="Lopez")
    run = sync(tenant.office)
    assert Employee.objects.count() == 1
    assert ExternalRef.objects.get(procore_type="company_user").object_id == mine.pk
    assert run.counts["linked"] >= 1


def test_manual_mode_updates_only_linked_records(procore, tenant):
    seed(procore)
    procore.settings.auto_import = {"employees": False}
    procore.settings.save()
    run = sync(tenant.office)
    assert Employee.objects.count() == 0
    assert run.counts["not_linked"] == 1


def test_a_malformed_record_fails_alone(procore, tenant):
    seed(procore)
    procore.add("vendors", name="", is_active=True)
    run = sync(tenant.office)
    assert run.status == RunStatus.PARTIAL
    failed = SyncItem.objects.get(run=run, outcome="failed")
    assert "'name' is missing" in failed.message and failed.fix
    assert Vendor.objects.count() == 1


def test_cost_codes_come_from_the_chosen_list_and_skip_divisions(procore, tenant):
    cost_list = procore.add("standard_cost_code_lists", name="Main")
    division = procore.add("standard_cost_codes", under=cost_list.id, code="03",
                           full_code="03", name="Concrete", parent_id=None)  # fmt: skip
    procore.add("standard_cost_codes", under=cost_list.id, code="100", full_code="03-100",
                name="Forming", parent_id=division.id)  # fmt: skip
    procore.settings.cost_code_list_id = cost_list.id
    procore.settings.save()
    sync(tenant.office, entities=["cost_codes"])
    code = CostCode.objects.get()
    assert (code.code, code.division_code, code.division_name) == ("03-100", "03", "Concrete")


def test_custom_field_definitions_are_refreshed_and_values_stored(procore, tenant):
    region = procore.add(
        "custom_field_definitions", label="Region", data_type="lov_entry", active=True,
        custom_field_lov_entries=[{"id": 71, "label": "North"}, {"id": 72, "label": "South"}],
    )  # fmt: skip
    center = procore.add("custom_field_definitions", label="Cost Center", data_type="string")
    procore.add("custom_field_definitions", label="Budget", data_type="decimal")  # unsupported
    procore.add(
        "projects", name="PJA", project_number="200", active=True,
        custom_fields={f"custom_field_{region.id}": {"data_type": "lov_entry", "value": {"id": 72}},
                       f"custom_field_{center.id}": {"data_type": "string", "value": "CC-9"}},
    )  # fmt: skip
    sync(tenant.office, entities=["projects"])
    assert [f.label for f in CustomField.objects.filter(office=tenant.office, active=True)] == [
        "Region",
        "Cost Center",
    ]
    project = Project.objects.get()
    assert project.custom_fields == {str(region.id): "South", str(center.id): "CC-9"}


def test_sub_jobs_of_many_projects_land_under_their_own_project(procore, tenant):
    for number in ("200", "300", "400"):
        project = procore.add("projects", name=f"P{number}", project_number=number, active=True)
        procore.add("sub_jobs", project_id=project.id, name="Site", code="005")
    mine = Project.objects.create(office=tenant.office, number="300", name="Ours")
    SubJob.objects.create(office=tenant.office, project=mine, code="005", name="Site")
    run = sync(tenant.office, entities=["projects", "sub_jobs"])
    assert sorted(s.full_code for s in SubJob.objects.all()) == ["200.005", "300.005", "400.005"]
    assert run.counts["linked"] == 2  # our project 300 and its sub-job, not duplicated
