"""Malformed answers through the live sandbox: a bad record fails alone, an unreadable answer
ends the run with a reason; never an exception, never a run left "running"."""

import pytest

from apps.ap_invoices.models import Vendor
from apps.procore_sandbox import faults
from apps.procore_sandbox.models import SandboxConfig
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.engine_models import ExternalRef, RunStatus, SyncItem
from apps.procore_sync.entities import ENTITIES, Batch
from apps.procore_sync.importers.upsert import ImportOptions, import_batch

from .test_entity_import import seed, sync

pytestmark = pytest.mark.django_db(transaction=True)

VENDORS = {"paths": ["/rest/v1.0/vendors"], "methods": ["GET"]}


@pytest.fixture
def no_backoff_waits(monkeypatch):
    """The engine builds its own client: give it zero jitter, so retries do not sleep here."""
    monkeypatch.setitem(ProcoreClient.__init__.__kwdefaults__, "jitter", lambda: 0.0)


def add_vendors(procore, *names: str) -> None:
    for name in names:
        procore.add("vendors", name=name, is_active=True)


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("id", "'id' should be a Procore id, got 'not a number'"),
        ("name", "'name' should be text, got int 12345"),
        ("is_active", "'is_active' should be true or false, got 'yes'"),
    ],
)
def test_a_record_with_a_wrong_type_fails_alone(procore, tenant, field, reason):
    add_vendors(procore, "Steel Co", "Glass Co", "Wood Co", "Stone Co")
    faults.set_faults(seed=4, wrong_type=1.0, wrong_type_fields=[field], max_faults=1, **VENDORS)
    run = sync(tenant.office, entities=["vendors"])
    assert run.status == RunStatus.PARTIAL, run.error
    failed = SyncItem.objects.get(run=run, outcome="failed")
    assert failed.entity == "vendors" and reason in failed.message and failed.fix
    assert failed.label  # names the record: its name, or its id when the name is the wrong one
    assert Vendor.objects.count() == 3
    assert run.counts["created"] == 3 and run.counts["failed"] == 1


@pytest.mark.parametrize(
    ("kind", "words"), [("truncated_body", "cut-off body"), ("html_200", "HTML page")]
)
def test_an_answer_that_stays_unreadable_ends_the_run_with_the_reason(
    procore, tenant, no_backoff_waits, kind, words
):
    seed(procore)
    faults.set_faults(**{kind: 1.0}, **VENDORS)
    run = sync(tenant.office)
    assert run.status in (RunStatus.FAILED, RunStatus.PARTIAL)
    assert "Procore's answer could not be read" in run.error and words in run.error
    assert SandboxConfig.objects.get(id=1).faulted_count == 5  # retried, then given up
    assert Vendor.objects.count() == 0
    assert run.counts["created"] == 4  # the entities before vendors were imported


@pytest.mark.parametrize("kind", ["truncated_body", "html_200"])
def test_an_unreadable_answer_that_clears_on_retry_costs_nothing(
    procore, tenant, no_backoff_waits, kind
):
    seed(procore)
    faults.set_faults(**{kind: 1.0}, max_faults=2, **VENDORS)
    run = sync(tenant.office)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Vendor.objects.get().name == "Steel Co"


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_malformed_answers_anywhere_never_leave_a_run_running(
    procore, tenant, no_backoff_waits, seed_value
):
    seed(procore)
    add_vendors(procore, "Glass Co", "Wood Co")
    shares = {"truncated_body": 0.1, "html_200": 0.1, "wrong_type": 0.3}
    faults.set_faults(seed=seed_value, paths=["/rest/"], **shares)
    run = sync(tenant.office)
    assert run.status != RunStatus.RUNNING and run.ended_at is not None
    if run.status != RunStatus.SUCCEEDED:
        assert run.error or SyncItem.objects.filter(run=run, outcome="failed").exists()


def test_a_full_pull_keeps_the_twin_of_a_record_that_came_back_malformed(procore, tenant):
    add_vendors(procore, "Steel Co", "Glass Co")
    sync(tenant.office, entities=["vendors"])
    faults.set_faults(wrong_type=1.0, wrong_type_fields=["name"], max_faults=1, **VENDORS)
    run = sync(tenant.office, entities=["vendors"], full=True)
    assert run.counts["failed"] == 1 and "deactivated" not in run.counts
    assert list(Vendor.objects.values_list("active", flat=True)) == [True, True]


def test_a_full_pull_with_an_unreadable_id_deactivates_nothing_and_keeps_its_cursor(
    procore, tenant
):
    add_vendors(procore, "Steel Co", "Glass Co")
    first = sync(tenant.office, entities=["vendors"])
    cursor = procore.settings.__class__.objects.get(pk=procore.settings.pk).cursors["vendors"]
    faults.set_faults(wrong_type=1.0, wrong_type_fields=["id"], max_faults=1, **VENDORS)
    run = sync(tenant.office, entities=["vendors"], full=True)
    assert first.status == RunStatus.SUCCEEDED and run.counts["failed"] == 1
    assert "deactivated" not in run.counts  # the unreadable one may be either twin
    assert list(Vendor.objects.values_list("active", flat=True)) == [True, True]
    settings = procore.settings.__class__.objects.get(pk=procore.settings.pk)
    assert settings.cursors["vendors"] == cursor  # the next run reads the failed one again


def test_odd_values_past_mapping_fail_the_record_or_are_ignored_never_the_batch(tenant):
    options = ImportOptions(office=tenant.office, auto_import=True, two_way=True)
    records = [
        "Steel Co",  # not an object at all
        {"id": 1, "name": "Glass Co", "updated_at": "2026-02-30T10:00:00Z"},  # no such day
        {"id": 2, "name": "Wood Co", "updated_at": "2026-01-05T10:00:00"},  # no time zone
        {"id": 3, "name": "Tile Co", "origin_id": {"nested": True}},
        {"id": True, "name": "Stone Co"},  # JSON true is not an id
    ]
    counts, items = import_batch(ENTITIES["vendors"], Batch(records), options)
    assert counts["created"] == 3 and counts["failed"] == 2
    assert sorted(Vendor.objects.values_list("name", flat=True)) == [
        "Glass Co", "Tile Co", "Wood Co",
    ]  # fmt: skip
    failed = [i.message for i in items if i.outcome == "failed"]
    assert failed == [
        "the record should be an object, got str",
        "'id' should be a Procore id, got True",
    ]
    refs = ExternalRef.objects.filter(procore_type="vendor").order_by("procore_id")
    assert [(r.procore_updated_at is None, r.origin_id) for r in refs] == [
        (True, ""), (False, ""), (True, "{'nested': True}"),
    ]  # fmt: skip


@pytest.mark.parametrize("auto_import", [True, False])
def test_a_record_we_exported_links_to_its_origin_not_a_second_local_record(tenant, auto_import):
    """An export whose answer was lost leaves the local record unlinked; Procore's record names
    it in origin_id, so the next import links them even when no natural key matches."""
    ours = Vendor.objects.create(office=tenant.office, name="Steel Co")
    options = ImportOptions(office=tenant.office, auto_import=auto_import, two_way=True)
    record = {"id": 7, "name": "Steel Company", "origin_id": f"trestle-vendor-{ours.pk}"}
    counts, _ = import_batch(ENTITIES["vendors"], Batch([record]), options)
    assert counts == {"linked": 1}
    assert list(Vendor.objects.values_list("pk", flat=True)) == [ours.pk]
    assert ExternalRef.objects.get(procore_type="vendor").object_id == ours.pk
