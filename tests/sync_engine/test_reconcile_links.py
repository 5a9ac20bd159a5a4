"""The "Procore vs Trestle" report for linked records, against the sandbox over real HTTP."""

from types import SimpleNamespace

import pytest

from apps.ap_invoices.models import Vendor
from apps.procore_sandbox import edits, store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.client import pages
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, LinkState, SyncRun
from apps.procore_sync.links import link_relink, link_unlink
from apps.procore_sync.reconcile.services import differences_repair
from apps.procore_sync.reconcile_models import Difference
from apps.timecards.models import Employee
from tests.reconciling import report_run as report

pytestmark = pytest.mark.django_db(transaction=True)


def found(run: SyncRun) -> list[tuple[str, str, str]]:
    return sorted((d.key, d.field, d.side) for d in run.differences.filter(flow="entities"))


def repaired(run: SyncRun, tenant) -> list[SyncRun]:
    """Repair every difference of the report and run what it queued, as the worker would."""
    differences = list(run.differences.filter(flow="entities"))
    repairs = differences_repair(differences=differences, user=tenant.owner, enqueue=lambda i: None)
    done = [run_execute(repair.pk) for repair in repairs]
    assert all(r.status == "succeeded" for r in done), [r.error for r in done]
    return done


def in_procore(record: SandboxRecord) -> dict:
    return SandboxRecord.objects.get(pk=record.pk).data


@pytest.fixture
def linked(procore, tenant):
    """Two employees and a project synced both ways, a vendor synced in, all linked by a sync."""
    procore.settings.directions = {"employees": "both", "projects": "both", "vendors": "in"}
    procore.settings.save()
    maria = procore.add(
        "users", first_name="Maria", last_name="Lopez", email_address="maria@acme.test",
        employee_id="E-1", is_employee=True, is_active=True,
    )  # fmt: skip
    procore.add(
        "users", first_name="Sam", last_name="Reyes", email_address="sam@acme.test",
        employee_id="E-2", is_employee=True, is_active=True,
    )  # fmt: skip
    procore.add("users", first_name="Olga", last_name="Office", is_employee=False)
    project = procore.add("projects", name="Harbor", project_number="200", active=True)
    vendor = procore.add("vendors", name="Steel Co", business_phone="555-0100", is_active=True)
    run = procore.run("entities", tenant.owner)
    assert run.status == "succeeded", run.error
    return SimpleNamespace(
        maria=maria,
        project=project,
        vendor=vendor,
        employee=Employee.objects.get(employee_id="E-1"),
        local_vendor=Vendor.objects.get(name="Steel Co"),
    )


def test_records_in_step_have_no_difference_and_cost_one_request_per_list(linked, tenant):
    run = report(tenant)
    assert found(run) == []
    assert run.counts["requests"] == run.counts["requests_min"] == 3  # users, projects, vendors


def test_a_field_changed_in_procore_is_found_and_synced_again(linked, procore, tenant):
    edits.employee_update(company=procore.company, user_id=linked.maria.id, first_name="Ana")
    run = report(tenant)
    [difference] = run.differences.filter(flow="entities")
    assert (difference.key, difference.field, difference.side, difference.repair) == (
        "company_user:first_name", "value", "procore", "sync_again"
    )  # fmt: skip
    assert difference.message == (
        "Procore's first name of employee Maria Lopez is Ana; Trestle has Maria; "
        "changed in Procore."
    )
    assert difference.object_id == linked.employee.pk
    assert run.counts["requests"] == run.counts["requests_min"]

    [again] = repaired(run, tenant)
    assert again.params == {"entities": ["employees"], "full": True}
    assert Difference.objects.get(pk=difference.pk).repair_run == again
    assert Employee.objects.get(pk=linked.employee.pk).first_name == "Ana"
    assert found(report(tenant)) == []


def test_a_field_changed_in_trestle_is_found_and_sent_to_procore(linked, tenant):
    linked.employee.city = "Waco"
    linked.employee.save()
    run = report(tenant)
    assert found(run) == [("company_user:city", "value", "trestle")]
    assert run.differences.get().message == (
        "Procore's city of employee Maria Lopez is empty; Trestle has Waco; changed in Trestle."
    )

    repaired(run, tenant)
    assert in_procore(linked.maria)["city"] == "Waco"
    assert found(report(tenant)) == []


def test_a_field_changed_on_both_sides_says_both(linked, procore, tenant):
    edits.employee_update(company=procore.company, user_id=linked.maria.id, first_name="Ana")
    linked.employee.first_name = "Mary"
    linked.employee.save()
    run = report(tenant)
    assert found(run) == [("company_user:first_name", "value", "both")]

    repaired(run, tenant)  # Trestle's change is the newer: the sync keeps it and sends it
    assert in_procore(linked.maria)["first_name"] == "Mary"
    assert found(report(tenant)) == []


def test_a_trestle_change_of_a_kind_synced_in_only_takes_procore_s_value_again(linked, tenant):
    linked.local_vendor.phone = "555-0199"
    linked.local_vendor.save()
    run = report(tenant)
    assert found(run) == [("vendor:phone", "value", "trestle")]

    repaired(run, tenant)
    assert Vendor.objects.get(pk=linked.local_vendor.pk).phone == "555-0100"
    assert found(report(tenant)) == []


def test_a_procore_change_of_a_kind_synced_out_only_takes_trestle_s_value_again(
    linked, procore, tenant
):
    procore.settings.directions = {**procore.settings.directions, "vendors": "out"}
    procore.settings.save()
    edits.vendor_update(company=procore.company, vendor_id=linked.vendor.id, name="Steel Corp")
    run = report(tenant)
    assert found(run) == [("vendor:name", "value", "procore")]

    repaired(run, tenant)
    assert in_procore(linked.vendor)["name"] == "Steel Co"
    assert found(report(tenant)) == []


def test_a_record_deleted_in_procore_is_found_and_unlinked_at_once(linked, tenant):
    store.record_delete(SandboxRecord.objects.get(pk=linked.vendor.pk))
    run = report(tenant)
    [difference] = run.differences.filter(flow="entities")
    assert (difference.key, difference.field, difference.side, difference.repair) == (
        "vendor", "record_deleted", "procore", "unlink"
    )  # fmt: skip
    assert difference.message == (
        f"Procore no longer holds the record #{linked.vendor.id} linked to vendor Steel Co; "
        "changed in Procore."
    )

    assert repaired(run, tenant) == []
    link = ExternalRef.objects.get(procore_type="vendor")
    assert link.state == LinkState.UNLINKED
    assert Difference.objects.get(pk=difference.pk).resolved_at is not None
    assert found(report(tenant)) == []


def test_an_unlinked_record_is_not_compared(linked, procore, tenant):
    link = ExternalRef.objects.get(procore_type="company_user", object_id=linked.employee.pk)
    link_unlink(link=link, user=tenant.owner)
    edits.employee_update(company=procore.company, user_id=linked.maria.id, first_name="Ana")
    assert found(report(tenant)) == []


def test_fields_changed_on_each_side_of_one_record_each_say_their_side(linked, procore, tenant):
    edits.employee_update(company=procore.company, user_id=linked.maria.id, first_name="Ana")
    linked.employee.city = "Waco"
    linked.employee.save()
    assert found(report(tenant)) == [
        ("company_user:city", "value", "trestle"),
        ("company_user:first_name", "value", "procore"),
    ]


@pytest.fixture
def structure(procore, tenant):
    """A project with a custom field and a sub-job, and a cost code list, all synced in."""
    region = procore.add(
        "custom_field_definitions", label="Region", data_type="lov_entry", active=True,
        custom_field_lov_entries=[{"id": 71, "label": "North"}, {"id": 72, "label": "South"}],
    )  # fmt: skip
    south = {f"custom_field_{region.id}": {"data_type": "lov_entry", "value": {"id": 72}}}
    project = procore.add(
        "projects", name="PJA", project_number="200", active=True, custom_fields=south
    )
    sub_job = procore.add("sub_jobs", project_id=project.id, name="Site", code="005")
    cost_list = procore.add("standard_cost_code_lists", name="Main")
    division = procore.add("standard_cost_codes", under=cost_list.id, code="03",
                           full_code="03", name="Concrete", parent_id=None)  # fmt: skip
    code = procore.add("standard_cost_codes", under=cost_list.id, code="100", full_code="03-100",
                       name="Forming", parent_id=division.id)  # fmt: skip
    procore.settings.cost_code_list_id = cost_list.id
    procore.settings.save()
    run = procore.run("entities", tenant.owner)
    assert run.status == "succeeded", run.error
    return SimpleNamespace(region=region, project=project, sub_job=sub_job, code=code)


def test_project_level_records_custom_fields_and_cost_codes_are_compared(
    structure, procore, tenant
):
    clean = report(tenant)
    assert found(clean) == []
    # projects, the project's sub-jobs, the cost code list
    assert clean.counts["requests"] == clean.counts["requests_min"] == 3

    procore.change(structure.sub_job, name="Site works")
    region = f"custom_field_{structure.region.id}"
    procore.change(
        structure.project, custom_fields={region: {"data_type": "lov_entry", "value": {"id": 71}}}
    )
    store.record_delete(structure.code)
    run = report(tenant)
    assert found(run) == [
        (f"project:{region}", "value", "procore"),
        ("standard_cost_code", "record_deleted", "procore"),
        ("sub_job:name", "value", "procore"),
    ]
    assert run.differences.get(key=f"project:{region}").message == (
        "Procore's custom field 'Region' of project 200 PJA is North; Trestle has South; "
        "changed in Procore."
    )
    assert run.counts["requests"] == run.counts["requests_min"]

    repaired(run, tenant)
    assert found(report(tenant)) == []


def test_a_link_made_again_is_compared_once_a_sync_has_brought_it_in_step(linked, procore, tenant):
    link = ExternalRef.objects.get(procore_type="company_user", object_id=linked.employee.pk)
    link_relink(link=link, user=tenant.owner)
    edits.employee_update(company=procore.company, user_id=linked.maria.id, first_name="Ana")
    assert found(report(tenant)) == []  # nothing synced on it yet: the next run settles it

    assert procore.run("entities", tenant.owner).status == "succeeded"
    assert Employee.objects.get(pk=linked.employee.pk).first_name == "Ana"
    assert found(report(tenant)) == []


def test_a_list_longer_than_a_page_costs_its_pages_and_no_more(linked, tenant, monkeypatch):
    monkeypatch.setattr(pages, "DEFAULT_PER_PAGE", 2)  # the four users: two pages
    run = report(tenant)
    assert found(run) == []
    assert run.counts["requests"] == run.counts["requests_min"] == 4
