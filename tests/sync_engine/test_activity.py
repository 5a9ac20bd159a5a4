"""Sync Activity pages, links, the operator command, conflicts, orphans and the sweeper."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.procore_sandbox import store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, LinkState, SyncItem, SyncRun
from apps.procore_sync.recovery import queued_resend
from apps.procore_sync.runs import run_queue
from apps.timecards.models import Employee
from tests.csv_reading import ESCAPED, FORMULAS, PLAIN, streamed_rows

pytestmark = pytest.mark.django_db(transaction=True)


def sync(office, **params) -> SyncRun:
    run = run_queue(
        office=office, flow="entities", trigger="user", params=params, enqueue=lambda _: None
    )
    return run_execute(run.pk)


def add_employee(procore, **data):
    fields = {"first_name": "Maria", "last_name": "Lopez", "email_address": "maria@acme.test",
              "employee_id": "E-1", "is_employee": True, "is_active": True} | data  # fmt: skip
    return procore.add("users", **fields)


def test_run_now_records_the_run_and_enqueues_it_after_commit(
    owner_client, procore, tenant, monkeypatch
):
    sent = []
    monkeypatch.setattr("apps.procore_sync.views.activity.enqueue_run", sent.append)
    response = owner_client.post(f"/sync/offices/{tenant.office.pk}/run/", {"flow": "entities"})
    run = SyncRun.objects.get()
    assert response["Location"] == f"/sync/runs/{run.pk}/"
    assert sent == [run.pk] and run.trigger == "user" and run.requested_by == tenant.owner


def test_the_progress_partial_polls_until_the_run_ends(owner_client, procore, tenant):
    run = run_queue(office=tenant.office, flow="entities", trigger="user", enqueue=lambda _: None)
    polling = owner_client.get(f"/sync/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in polling and "<html" not in polling
    run_execute(run.pk)
    done = owner_client.get(f"/sync/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "Succeeded" in done


def test_failures_show_with_the_fix_export_as_csv_and_can_be_retried(owner_client, procore, tenant):
    procore.add("vendors", name="", is_active=True)
    run = sync(tenant.office)
    page = owner_client.get(f"/sync/runs/{run.pk}/?outcome=failed").content.decode()
    assert "&#x27;name&#x27; is missing" in page and "Correct the record in Procore" in page
    rows = streamed_rows(owner_client.get(f"/sync/runs/{run.pk}/items.csv"))
    assert [(r["entity"], r["outcome"]) for r in rows] == [("vendors", "failed")]
    response = owner_client.post(f"/sync/runs/{run.pk}/retry/")
    retry = SyncRun.objects.exclude(pk=run.pk).get()
    assert retry.params == {
        "entities": ["vendors"],
        "full": True,
        "retry_of": run.pk,
        "origin_run": run.pk,
    }
    assert response["Location"] == f"/sync/runs/{retry.pk}/"


def test_the_csv_writes_text_from_procore_as_text(owner_client, procore, tenant):
    procore.add("vendors", name="", is_active=True)
    run = sync(tenant.office)
    SyncItem.objects.filter(run=run).delete()
    for value in [*FORMULAS, PLAIN]:
        SyncItem.objects.create(
            run=run, entity="vendors", direction="in", label=value, outcome="failed",
            message=value, fix=value,
        )  # fmt: skip
    rows = streamed_rows(owner_client.get(f"/sync/runs/{run.pk}/items.csv"))
    for column in ("label", "message", "fix"):
        assert [r[column] for r in rows] == [*ESCAPED, PLAIN]


def test_an_unlinked_record_is_left_alone_until_linked_again(owner_client, procore, tenant):
    user = add_employee(procore)
    sync(tenant.office)
    link = ExternalRef.objects.get(procore_type="company_user")
    owner_client.post(f"/sync/links/{link.pk}/toggle/")
    store.record_update(SandboxRecord.objects.get(pk=user.id), {"city": "Dallas"})
    sync(tenant.office)
    assert Employee.objects.get().city == "" and Employee.objects.count() == 1
    owner_client.post(f"/sync/links/{link.pk}/toggle/")
    sync(tenant.office, full=True)
    assert Employee.objects.get().city == "Dallas"
    assert "Lopez" in owner_client.get("/sync/links/?entity=employees").content.decode()


def test_the_operator_command_runs_a_sync_with_progress(procore, tenant, capsys):
    add_employee(procore)
    call_command("procore_sync", office=tenant.office.pk, full=True)
    out = capsys.readouterr().out
    assert "100%" in out and "Succeeded" in out
    assert Employee.objects.count() == 1


def test_a_record_deleted_in_procore_is_deactivated_not_deleted(procore, tenant):
    user = add_employee(procore)
    sync(tenant.office)
    store.record_delete(SandboxRecord.objects.get(pk=user.id))
    run = sync(tenant.office, full=True)
    assert Employee.objects.get().active is False
    assert ExternalRef.objects.get(procore_type="company_user").state == LinkState.ORPHANED
    assert run.counts["deactivated"] == 1


def test_a_two_way_conflict_goes_to_the_later_change_and_shows_what_was_lost(procore, tenant):
    procore.settings.directions = {"employees": "both"}
    procore.settings.save()
    user = add_employee(procore)
    sync(tenant.office, entities=["employees"])
    employee = Employee.objects.get()
    employee.city = "Trestle City"
    employee.save()
    Employee.objects.filter(pk=employee.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    store.record_update(SandboxRecord.objects.get(pk=user.id), {"city": "Procore City"})
    run = sync(tenant.office, entities=["employees"])
    employee.refresh_from_db()
    assert employee.city == "Procore City"
    item = SyncItem.objects.get(run=run, outcome="updated")
    assert item.overwritten["city"] == {"trestle": "Trestle City", "procore": "Procore City"}


def test_runs_whose_enqueue_was_lost_are_handed_out_again_once(procore, tenant):
    old = run_queue(office=tenant.office, flow="entities", trigger="user", enqueue=lambda _: None)
    SyncRun.objects.filter(pk=old.pk).update(enqueued_at=timezone.now() - timedelta(minutes=2))
    run_queue(office=tenant.office, flow="entities", trigger="user", enqueue=lambda _: None)
    sent = []
    assert queued_resend(enqueue=sent.append) == 1 and sent == [old.pk]
    assert queued_resend(enqueue=sent.append) == 0  # just sent: not again before PATIENCE


def test_every_flow_can_be_chosen_in_the_run_filter(owner_client, tenant):
    from apps.procore_sync.engine import FLOWS

    for flow in FLOWS:
        SyncRun.objects.create(office=tenant.office, flow=flow, trigger="user")
    for flow in FLOWS:
        runs = owner_client.get("/sync/", {"flow": flow}).context["page"].object_list
        assert {run.flow for run in runs} == {flow}
