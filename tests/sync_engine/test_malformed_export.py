"""Sync actions whose answer comes back with a malformed record, through the live sandbox: the
record fails alone with the field named, the others are linked, and a retry links it to the one
Procore record the first send made (matched by origin_id), never a second."""

import pytest
from django.utils import timezone

from apps.ap_invoices.models import Vendor
from apps.procore_sandbox import faults
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, LinkState, RunStatus, SyncItem
from apps.procore_sync.exporters.entities import _division_ids
from apps.procore_sync.importers.context import SyncContext
from apps.procore_sync.runs import run_retry_failed

from .test_entity_export import sync

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ("Steel Co", "Glass Co", "Wood Co")


@pytest.fixture
def vendors_out(procore, tenant):
    procore.settings.directions = {"vendors": "out"}
    procore.settings.save()
    for name in NAMES:
        Vendor.objects.create(office=tenant.office, name=name)
    return procore


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("id", "'id' should be a Procore id, got 'not a number'"),
        ("updated_at", "'updated_at' should be a date and time, got int 12345"),
        ("origin_id", "Procore did not confirm this record."),
    ],
)
def test_a_malformed_answer_fails_its_record_alone_and_a_retry_makes_no_second(
    vendors_out, tenant, field, reason
):
    faults.set_faults(
        seed=2,
        wrong_type=1.0,
        wrong_type_fields=[field],
        paths=["/rest/v1.0/vendors/sync"],
        methods=["PATCH"],
        max_faults=1,
    )
    run = sync(tenant.office, entities=["vendors"])
    assert run.status == RunStatus.PARTIAL, run.error
    assert run.counts["exported_created"] == 2 and run.counts["failed"] == 1
    failed = SyncItem.objects.get(run=run, outcome="failed")
    assert reason in failed.message and failed.label.split(" ")[0] in " ".join(NAMES)
    assert len(vendors_out.records("vendors")) == 3  # the write landed all the same

    retry = run_execute(run_retry_failed(run=run, user=tenant.owner, enqueue=lambda _: None).pk)
    assert retry.status == RunStatus.SUCCEEDED, retry.error
    in_procore = {v["origin_id"]: v["id"] for v in vendors_out.records("vendors")}
    assert len(in_procore) == 3  # one Procore vendor per Trestle vendor, none twice
    refs = ExternalRef.objects.filter(procore_type="vendor", state=LinkState.SYNCED)
    assert {r.origin_id: r.procore_id for r in refs} == in_procore


def test_a_malformed_division_is_named_and_the_others_are_kept(procore, tenant):
    cost_list = procore.add("standard_cost_code_lists", name="Company list")
    for code, name in (("03", "Concrete"), ("09", "Finishes")):
        procore.add("standard_cost_codes", under=cost_list.id, code=code, full_code=code,
                    name=name, parent_id=None)  # fmt: skip
    procore.settings.cost_code_list_id = cost_list.id
    procore.settings.save()
    faults.set_faults(
        seed=1,
        wrong_type=1.0,
        wrong_type_fields=["id"],
        paths=["/rest/v1.0/standard_cost_codes"],
        methods=["GET"],
        max_faults=1,
    )
    ctx = SyncContext(
        office=tenant.office,
        connection=procore.connection,
        client=ProcoreClient(procore.connection),
        settings=procore.settings,
        started_at=timezone.now(),
    )
    divisions, unread = _division_ids(ctx)
    assert len(divisions) == 1 and set(divisions) < {"03", "09"}
    [problem] = unread
    assert "'id' should be a Procore id, got 'not a number'" in problem
    assert problem.split(":")[0] == ({"03", "09"} - set(divisions)).pop()
