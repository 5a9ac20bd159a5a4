"""The report as a whole: the nightly run and its mail, differences kept from report to report,
a comparer Procore fails, repairs through the API and the page, and who may repair what."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun, Trigger
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.reconcile.services import reconcile_queue
from apps.procore_sync.reconcile_models import Difference
from apps.procore_sync.runs import run_queue

from .conftest import line, make_cor, push
from .test_reconcile import procore_line_change, report

pytestmark = pytest.mark.django_db(transaction=True)


def nightly(tenant) -> SyncRun:
    run = run_queue(
        office=tenant.office, flow="reconcile", trigger=Trigger.SCHEDULE, enqueue=lambda i: None
    )
    return run_execute(run.pk)


@pytest.fixture
def pushed(procore, target, tenant) -> CorPush:
    cor = make_cor(target, tenant.owner, "Extra rebar", line(target, "85", qty="10"))
    assert push(target, tenant.owner, [cor]).status == "succeeded"
    return CorPush.objects.get(cor=cor)


def reprice(pushed: CorPush, cost) -> None:
    key = next(k for k in pushed.line_ids if k.startswith("line:"))
    procore_line_change(pushed, key, estimated_cost_unit_cost=cost)


def test_the_nightly_report_mails_the_admins_only_what_is_new(pushed, target, tenant):
    assert nightly(tenant).status == "succeeded"
    assert mail.outbox == []  # nothing differs: no mail

    reprice(pushed, 93.5)
    first = nightly(tenant)
    [sent] = mail.outbox
    assert sent.to == [tenant.owner.email]
    assert sent.subject == (
        f"Trestle: 1 new difference between Procore and Trestle for {tenant.office}"
    )
    assert "Procore's amount for line 'COR-001: drywall labor' is $935.00" in sent.body
    assert reverse("reconcile_report", args=[tenant.office.pk]) in sent.body
    found_at = first.differences.get().first_found_at

    again = nightly(tenant)
    assert len(mail.outbox) == 1  # the same difference: no second mail
    assert again.differences.get().first_found_at == found_at

    other = make_cor(target, tenant.owner, "Door swap", line(target, "40"))
    assert push(target, tenant.owner, [other]).status == "succeeded"
    reprice(CorPush.objects.get(cor=other), 41)
    nightly(tenant)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("Trestle: 1 new difference")
    assert "Door swap" in mail.outbox[1].body and "Extra rebar" not in mail.outbox[1].body


def test_a_report_started_by_hand_mails_nobody(pushed, tenant):
    reprice(pushed, 93.5)
    assert report(tenant).differences.count() == 1
    assert mail.outbox == []


def test_a_comparer_procore_fails_keeps_the_earlier_differences(pushed, tenant):
    from apps.procore_sandbox import faults

    reprice(pushed, 93.5)
    earlier = report(tenant).differences.get()
    faults.set_faults(error_500=1.0, paths=["/rest/v1.0/change_events"])
    try:
        run = reconcile_queue(office=tenant.office, user=tenant.owner, enqueue=lambda i: None)
        run = run_execute(run.pk)
    finally:
        faults.reset_faults()
    assert run.status == "partial"
    assert run.items.get().label == "CORs pushed to Change Events"
    assert "the earlier report's differences stand" in run.items.get().message
    assert list(Difference.objects.filter(resolved_at__isnull=True)) == [earlier]


def test_the_api_repairs_once_per_key_and_answers_202_with_the_run(pushed, tenant, client):
    reprice(pushed, 93.5)
    difference = report(tenant).differences.get()
    client.force_login(tenant.owner)
    url = reverse("reconcile-difference-repair")
    body = {"differences": [difference.pk]}
    answers = [
        client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="fix-1")
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0]["Location"] == answers[1]["Location"]
    [run] = answers[0].json()["runs"]
    assert answers[0]["Location"].endswith(f"/api/v1/sync-runs/{run['id']}/")
    assert SyncRun.objects.filter(flow="cor_push").count() == 2  # the push and one repair
    assert run_execute(run["id"]).status == "succeeded"
    assert report(tenant).differences.count() == 0


def test_the_api_refuses_unknown_ids_and_a_role_without_the_flows_permission(
    pushed, tenant, client
):
    reprice(pushed, 93.5)
    difference = report(tenant).differences.get()
    url = reverse("reconcile-difference-repair")
    client.force_login(tenant.owner)
    unknown = client.post(url, {"differences": [difference.pk + 99]}, "application/json")
    assert unknown.status_code == 400
    assert "Not open differences" in str(unknown.json())

    invoice_difference = Difference.objects.create(
        office=tenant.office, run=difference.run, flow="ap_import", object_id=1, label="INV-1",
        field="amount", side="procore", message="Procore's amount is 2; Trestle has 1.",
        repair="reimport",
    )  # fmt: skip
    client.force_login(tenant.member("project_manager"))  # may repair CORs, not AP invoices
    refused = client.post(url, {"differences": [invoice_difference.pk]}, "application/json")
    assert refused.status_code == 403
    page = client.post(reverse("difference_repair", args=[invoice_difference.pk]), follow=True)
    assert "Your role cannot repair these differences" in page.content.decode()
    invoice_difference.refresh_from_db()
    assert invoice_difference.repair_run is None


def test_repair_all_repairs_one_kind_of_one_flow(pushed, target, tenant, client):
    reprice(pushed, 93.5)
    report(tenant)
    client.force_login(tenant.owner)
    page = client.get(reverse("reconcile_report", args=[tenant.office.pk])).content.decode()
    assert 'name="flow" value="cor_push"' in page
    client.post(
        reverse("differences_repair_all", args=[tenant.office.pk]),
        {"flow": "cor_push", "field": "amount"},
    )
    assert Difference.objects.get(resolved_at__isnull=True).repair_run.flow == "cor_push"
