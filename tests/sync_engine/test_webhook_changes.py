"""Webhooks drive the sync: each delivery is a pending change; one "webhook" run claims the
office's pending changes, reads each record by id (never a whole collection) and applies it
with the importers' own code. The sandbox emits the deliveries as Procore would."""

import logging
from collections.abc import Callable

import pytest

from apps.ap_invoices.models import Commitment, Vendor
from apps.procore_sandbox import edits, faults, store, webhook_sender
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import (
    ChangeState,
    RunStatus,
    SyncRun,
    Trigger,
    WebhookDelivery,
)
from apps.procore_sync.project_mapping import project_map
from apps.procore_sync.recovery import hand_on
from apps.procore_sync.runs import run_retry_failed
from apps.procore_sync.webhooks import webhooks_register
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.models import TimeType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def requests_sent(caplog) -> Callable[[], list[str]]:
    """The Procore requests Trestle sent since the last call, as "GET /path"."""
    caplog.set_level(logging.INFO, logger="apps.procore_sync.client.http")

    def sent() -> list[str]:
        lines = [r.getMessage() for r in caplog.records if r.name.endswith("client.http")]
        caplog.clear()
        return [" ".join(line.split()[1:3]) for line in lines if line.startswith("procore ")]

    return sent


@pytest.fixture
def linked(procore, tenant, webhook_queued):
    """A Procore project with a sub job and a vendor, imported, and the office's hook."""
    remote = procore.add("projects", name="Tower", project_number="T-1", active=True)
    sub_job = procore.add("sub_jobs", project_id=remote.id, name="Core", code="001")
    vendor = procore.add("vendors", name="Steel Co", is_active=True)
    run = procore.run("entities", tenant.owner, entities=["projects", "sub_jobs", "vendors"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    webhooks_register(procore.connection)
    return remote, sub_job, vendor


def applied(webhook_queued: list[int]) -> SyncRun:
    """Deliver what the sandbox owes, then run the one run the deliveries webhook_queued."""
    webhook_sender.deliver_due()
    (run_id,) = webhook_queued
    webhook_queued.clear()
    return run_execute(run_id)


def test_changes_of_several_kinds_are_read_by_id_in_one_run(
    procore, tenant, linked, webhook_queued, requests_sent
):
    remote, _, vendor = linked
    edits.project_update(company=procore.company, project_id=remote.id, name="Tower B")
    edits.vendor_update(company=procore.company, vendor_id=vendor.id, name="Steel Co LLC")
    procore.add("sub_jobs", project_id=remote.id, name="Roof", code="002")
    requests_sent()

    run = applied(webhook_queued)

    assert (run.flow, run.trigger, run.status) == ("webhook", "webhook", RunStatus.SUCCEEDED)
    assert Project.objects.get().name == "Tower B"
    assert Vendor.objects.get().name == "Steel Co LLC"
    assert set(SubJob.objects.values_list("code", flat=True)) == {"001", "002"}
    sent = requests_sent()
    paths = sorted(path.split("?")[0] for path in sent)
    new = SandboxRecord.objects.get(resource="sub_jobs", data__code="002")
    assert paths == [
        "GET /rest/v1.0/custom_field_definitions",
        f"GET /rest/v1.0/sub_jobs/{new.id}",
        "GET /rest/v1.0/vendors",
        "GET /rest/v1.1/projects",
    ], sent  # each record by id: no list of every project's sub jobs
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"applied"}
    assert sorted(run.work["done"]) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))


def test_a_deleted_sub_job_is_deactivated_without_a_read(
    procore, tenant, linked, webhook_queued, requests_sent
):
    _, sub_job, _ = linked
    store.record_delete(SandboxRecord.objects.get(id=sub_job.id))
    requests_sent()

    run = applied(webhook_queued)

    assert run.status == RunStatus.SUCCEEDED
    assert SubJob.objects.get().active is False
    assert requests_sent() == []
    assert run.items.get().outcome == "deactivated"


def test_time_types_come_by_their_one_list_deletions_included(procore, tenant, webhook_queued):
    procore.add("timecard_time_types", time_type="Regular", abbreviated_time_type="RT")
    procore.run("entities", tenant.owner, entities=["time_types"])
    webhooks_register(procore.connection)
    travel = procore.add("timecard_time_types", time_type="Travel", abbreviated_time_type="TRV")
    applied(webhook_queued)
    assert set(TimeType.objects.filter(active=True).values_list("name", flat=True)) == {
        "Regular",
        "Travel",
    }
    store.record_delete(SandboxRecord.objects.get(id=travel.id))
    applied(webhook_queued)
    assert TimeType.objects.get(name="Travel").active is False


def test_a_cost_code_change_reads_the_office_s_code_list_once(
    procore, tenant, webhook_queued, requests_sent
):
    cost_list = procore.add("standard_cost_code_lists", name="Main")
    division = procore.add("standard_cost_codes", under=cost_list.id, code="03",
                           full_code="03", name="Concrete", parent_id=None)  # fmt: skip
    forming = procore.add("standard_cost_codes", under=cost_list.id, code="100",
                          full_code="03-100", name="Forming", parent_id=division.id)  # fmt: skip
    procore.settings.cost_code_list_id = cost_list.id
    procore.settings.save()
    procore.run("entities", tenant.owner, entities=["cost_codes"])
    webhooks_register(procore.connection)
    procore.add("standard_cost_codes", under=cost_list.id, code="200", full_code="03-200",
                name="Rebar", parent_id=division.id)  # fmt: skip
    store.record_delete(SandboxRecord.objects.get(id=forming.id))
    requests_sent()

    run = applied(webhook_queued)  # two events, one read of the list (it has no show nor id filter)

    assert run.status == RunStatus.SUCCEEDED, run.error
    codes = dict(CostCode.objects.values_list("code", "active"))
    assert codes == {"03-100": False, "03-200": True}
    assert requests_sent() == ["GET /rest/v1.0/standard_cost_codes"]


def test_a_change_event_trestle_did_not_push_is_not_read(
    procore, tenant, webhook_queued, requests_sent
):
    remote = procore.add("projects", name="Tower", project_number="T-1", active=True)
    webhooks_register(procore.connection)  # after the project: its event is not this test's
    procore.add("change_events", project_id=remote.id, title="Not ours")
    requests_sent()

    run = applied(webhook_queued)

    assert run.status == RunStatus.SUCCEEDED and requests_sent() == []
    assert WebhookDelivery.objects.get(resource_name="Change Events").state == "applied"


def test_a_commitment_change_reads_that_contract_only(
    procore, tenant, webhook_queued, requests_sent
):
    remote = procore.add("projects", name="Tower", project_number="T-1", active=True)
    contract = procore.add("work_order_contracts", project_id=remote.id, number="SC-1",
                           title="Framing", status="Approved")  # fmt: skip
    project = Project.objects.create(office=tenant.office, number="300", name="Tower")
    project_map(project=project, procore_project={"id": remote.id, "name": "Tower"},
                user=tenant.owner)  # fmt: skip
    webhooks_register(procore.connection)
    store.record_update(contract, {"title": "Framing (rev. 1)"})
    requests_sent()

    run = applied(webhook_queued)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Commitment.objects.get().title == "Framing (rev. 1)"
    assert requests_sent() == ["GET /rest/v1.0/work_order_contracts"]  # by `filters[id]`


def test_deliveries_while_a_run_holds_the_lease_wait_and_are_applied_after_it(
    procore, tenant, linked, webhook_queued
):
    remote, _, vendor = linked
    edits.vendor_update(company=procore.company, vendor_id=vendor.id, name="Steel Co LLC")
    webhook_sender.deliver_due()
    holder = SyncRun.objects.get(pk=webhook_queued.pop())
    holder.status = RunStatus.RUNNING  # another worker is applying changes right now
    holder.lease_expires_at = holder.created_at.replace(year=2100)
    holder.save()
    edits.project_update(company=procore.company, project_id=remote.id, name="Tower B")
    edits.project_update(company=procore.company, project_id=remote.id, name="Tower C")
    webhook_sender.deliver_due()
    (waiting,) = webhook_queued  # two deliveries, one run to apply them

    assert run_execute(waiting).status == RunStatus.QUEUED  # waits its turn, claims nothing
    pending = WebhookDelivery.objects.filter(state=ChangeState.PENDING)
    assert pending.count() == 3 and Project.objects.get().name == "Tower"

    holder.status, holder.lease_expires_at = RunStatus.SUCCEEDED, None
    holder.save()
    assert hand_on(holder, enqueue=lambda run_id: None) == waiting
    run = run_execute(waiting)
    assert run.status == RunStatus.SUCCEEDED
    assert (Project.objects.get().name, Vendor.objects.get().name) == ("Tower C", "Steel Co LLC")
    assert not WebhookDelivery.objects.exclude(state=ChangeState.APPLIED).exists()


def test_a_record_procore_cannot_serve_fails_alone_and_retry_applies_it(
    procore, tenant, linked, webhook_queued, short_waits
):
    remote, _, vendor = linked
    edits.vendor_update(company=procore.company, vendor_id=vendor.id, name="Steel Co LLC")
    added = procore.add("sub_jobs", project_id=remote.id, name="Roof", code="002")
    faults.set_faults(error_500=1.0, paths=[f"/rest/v1.0/sub_jobs/{added.id}"])

    run = applied(webhook_queued)

    assert run.status == RunStatus.PARTIAL
    failed = run.items.get(outcome="failed")
    assert (failed.entity, failed.procore_id) == ("webhook_change", added.id)
    assert failed.label == f"Sub Jobs #{added.id} (create)" and "not answering" in failed.message
    assert Vendor.objects.get().name == "Steel Co LLC"  # the other change went through
    assert WebhookDelivery.objects.get(resource_name="Sub Jobs").state == ChangeState.FAILED

    faults.reset_faults()
    retry = run_retry_failed(run=run, user=tenant.owner, enqueue=lambda run_id: None)
    assert retry.params["changes"] == [failed.object_id]
    assert run_execute(retry.pk).status == RunStatus.SUCCEEDED
    assert SubJob.objects.filter(code="002", active=True).exists()
    assert not WebhookDelivery.objects.exclude(state=ChangeState.APPLIED).exists()


def test_a_change_not_found_in_procore_is_a_failed_item_not_a_silence(
    procore, tenant, linked, webhook_queued
):
    remote, _, _ = linked
    added = procore.add("sub_jobs", project_id=remote.id, name="Roof", code="002")
    SandboxRecord.objects.filter(id=added.id).update(deleted_at=added.created_at)  # no event

    run = applied(webhook_queued)

    assert run.status == RunStatus.PARTIAL
    item = run.items.get()
    assert (item.outcome, item.procore_id) == ("failed", added.id) and item.fix
    assert "404" in item.message or "not" in item.message.lower()
    assert WebhookDelivery.objects.get(resource_name="Sub Jobs").state == ChangeState.FAILED


def test_a_crashed_run_leaves_its_changes_to_the_recovery_run(
    procore, tenant, linked, webhook_queued
):
    from apps.procore_sync.recovery import run_recover
    from apps.procore_sync.webhook_flow.changes import changes_claim

    _, _, vendor = linked
    edits.vendor_update(company=procore.company, vendor_id=vendor.id, name="Steel Co LLC")
    webhook_sender.deliver_due()
    run = SyncRun.objects.get(pk=webhook_queued.pop())
    run.status, run.lease_expires_at = RunStatus.RUNNING, run.created_at  # its worker died...
    run.work = {"entity": "webhook_change", "ids": [], "done": []}
    run.save()
    (claimed,) = changes_claim(run)  # ...after it claimed the change
    run.work["ids"] = [claimed.pk]
    run.save()

    recovered = run_recover(run.pk, enqueue=lambda run_id: None)

    assert recovered.status == RunStatus.FAILED
    follow = SyncRun.objects.get(trigger=Trigger.RECOVERY)
    assert follow.params["changes"] == [claimed.pk]
    assert run_execute(follow.pk).status == RunStatus.SUCCEEDED
    assert Vendor.objects.get().name == "Steel Co LLC"


def test_a_contract_another_run_links_meanwhile_is_updated_not_duplicated(tenant, monkeypatch):
    """The AP import and a webhook run may meet on a new contract; one creates it."""
    from apps.procore_sync.ap_import import commitments

    project = Project.objects.create(office=tenant.office, number="300", name="Tower")
    fields = {"project": project, "kind": "subcontract", "number": "SC-1", "title": "Framing"}
    first = commitments._upsert(tenant.office, 77, fields)
    real, looked = commitments._ref, []

    def before_the_other_run_committed(office, procore_id):
        looked.append(procore_id)
        return None if len(looked) == 1 else real(office, procore_id)

    monkeypatch.setattr(commitments, "_ref", before_the_other_run_committed)
    again = commitments._upsert(tenant.office, 77, {**fields, "title": "Framing (rev. 1)"})

    assert (first, again, len(looked)) == ("created", "updated", 2)
    assert list(Commitment.objects.values_list("title", flat=True)) == ["Framing (rev. 1)"]
