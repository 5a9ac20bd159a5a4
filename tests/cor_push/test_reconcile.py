"""The "Procore vs Trestle" report for pushed CORs, against the sandbox over real HTTP."""

import re
from dataclasses import replace

import pytest
from django.urls import reverse

from apps.cors.services import cor_update
from apps.procore_sandbox import change_events, store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.push_models import CorPush
from apps.procore_sync.reconcile.services import differences_repair, reconcile_queue
from apps.procore_sync.reconcile_models import Difference
from tests.csv_reading import ESCAPED, FORMULAS, PLAIN, streamed_rows
from tests.reconciling import report_run as report

from .conftest import line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


def found(run: SyncRun) -> list[tuple[str, str]]:
    return sorted((d.field, d.side) for d in run.differences.all())


def event_of(pushed: CorPush) -> SandboxRecord:
    return SandboxRecord.objects.get(id=pushed.change_event_id)


def procore_line_change(pushed: CorPush, key: str, **changes) -> None:
    """What a Procore user's edit of one of our lines leaves in Procore."""
    record = event_of(pushed)
    change = {"id": pushed.line_ids[key], **changes}
    store.record_update(record, {"change_event_line_items_attributes": [change]})
    change_events.derive(record)


@pytest.fixture
def pushed(procore, target, tenant):
    """A COR with a marked-up line and a credit COR, pushed into one Change Event."""
    extra = make_cor(
        target, tenant.owner, "Extra rebar",
        line(target, "85", qty="10", markup="10"), line(target, "40", code="wiring"),
    )  # fmt: skip
    credit = make_cor(target, tenant.owner, "Deduct", line(target, "-120", cost_type="material"))
    run = push(target, tenant.owner, [extra, credit])
    assert run.status == "succeeded", run.error
    return CorPush.objects.get(cor=extra), CorPush.objects.get(cor=credit)


def test_an_untouched_push_with_markup_and_a_credit_has_no_difference(pushed, tenant):
    run = report(tenant)
    assert found(run) == []
    assert run.counts["requests"] == run.counts["requests_min"] == 1


def test_an_amount_changed_in_procore_is_found_with_its_side_and_words(pushed, tenant):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    [difference] = report(tenant).differences.all()
    assert (difference.field, difference.side, difference.repair) == (
        "amount", "procore", "push_again"
    )  # fmt: skip
    assert difference.message == (
        "Procore's amount for line 'COR-001: drywall labor' is $935.00; Trestle pushed $850.00; "
        "changed in Procore."
    )


def test_a_cor_changed_in_trestle_is_found_on_trestles_side(pushed, target, tenant):
    extra, _ = pushed
    cor = extra.cor
    first, second = cor.lines.order_by("position")
    lines = [
        replace(line(target, "90", qty="10", markup="10"), id=first.pk),
        replace(line(target, "40", code="wiring"), id=second.pk),
    ]
    cor_update(cor=cor, user=tenant.owner, lines=lines)
    assert found(report(tenant)) == [("amount", "trestle"), ("amount", "trestle")]  # + markup


def test_a_line_changed_on_both_sides_says_both(pushed, target, tenant):
    extra, _ = pushed
    cor = extra.cor
    first, second = cor.lines.order_by("position")
    lines = [line(target, "85", qty="10", markup="10"), line(target, "55", code="wiring")]
    cor_update(
        cor=cor, user=tenant.owner,
        lines=[replace(lines[0], id=first.pk), replace(lines[1], id=second.pk)],
    )  # fmt: skip
    procore_line_change(extra, f"line:{second.pk}", estimated_cost_unit_cost=45)
    assert found(report(tenant)) == [("amount", "both")]


def test_budget_code_contract_and_status_changed_in_procore(pushed, target, tenant):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(
        extra, key, budget_code={"id": target.budget["09-200.M"]}, proposed_contract_id=None
    )
    record = event_of(extra)
    store.record_update(record, {"change_event_status_id": target.statuses["Closed"]})
    change_events.derive(record)
    run = report(tenant)
    assert found(run) == [
        ("budget_code", "procore"),
        ("contract", "procore"),
        ("status", "procore"),
        ("status", "procore"),  # both CORs are in the closed Change Event
    ]
    code = run.differences.get(field="budget_code")
    assert "09-200.M" in code.message and code.message.endswith("changed in Procore.")

    differences_repair(
        differences=list(run.differences.filter(field="status")),
        user=tenant.owner,
        enqueue=lambda i: None,
    )
    assert set(CorPush.objects.values_list("change_event_status", flat=True)) == {"Closed"}
    assert ("status", "procore") not in found(report(tenant))


def test_a_line_deleted_in_procore_is_missing_and_push_again_clears_it(
    pushed, target, tenant, procore
):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, _destroy=True)
    run = report(tenant)
    assert found(run) == [("missing_line", "procore")]
    assert re.search(r": Trestle \$[\d,]+\.\d\d, Procore none;", run.differences.get().message)

    [repair] = differences_repair(
        differences=list(run.differences.all()), user=tenant.owner, enqueue=lambda i: None
    )
    assert run_execute(repair.pk).status == "succeeded"
    assert found(report(tenant)) == []
    assert len(procore.records("change_events")) == 1


def test_a_line_removed_from_the_cor_but_left_in_procore_is_found_and_repaired(
    pushed, target, tenant
):
    extra, _ = pushed
    cor = extra.cor
    first, _ = cor.lines.order_by("position")
    cor_update(
        cor=cor, user=tenant.owner,
        lines=[replace(line(target, "85", qty="10", markup="10"), id=first.pk)],
    )  # fmt: skip
    run = report(tenant)
    assert found(run) == [("extra_line", "trestle")]
    assert re.search(r"at \$[\d,]+\.\d\d; the COR no longer", run.differences.get().message)

    repairs = differences_repair(
        differences=list(run.differences.all()), user=tenant.owner, enqueue=lambda i: None
    )
    for repair in repairs:
        run_execute(repair.pk)
    assert found(report(tenant)) == []


def test_a_deleted_change_event_is_found_and_pushed_into_a_new_one(pushed, tenant, procore):
    extra, _ = pushed
    store.record_delete(event_of(extra))
    run = report(tenant)
    assert found(run) == [("event_deleted", "procore"), ("event_deleted", "procore")]

    [repair] = differences_repair(
        differences=list(run.differences.all()), user=tenant.owner, enqueue=lambda i: None
    )
    done = run_execute(repair.pk)
    assert done.status == "succeeded", list(done.items.values_list("message", "fix"))
    assert found(report(tenant)) == []
    assert len(procore.records("change_events")) == 1
    assert Difference.objects.filter(resolved_at__isnull=True).count() == 0


def test_the_report_reads_one_list_page_per_hundred_events(procore, target, tenant):
    cors = [make_cor(target, tenant.owner, f"C{n}", line(target, "10")) for n in range(3)]
    for cor in cors:  # three Change Events
        push(target, tenant.owner, [cor], title=f"Event {cor.number}")
    run = report(tenant)
    assert run.counts["requests"] == run.counts["requests_min"] == 1


# The page, the CSV, the API and who may use them ---------------------------------------------


def test_the_page_shows_the_difference_with_its_repair_and_the_csv_lists_it(pushed, tenant, client):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    report(tenant)
    client.force_login(tenant.owner)
    page = client.get(reverse("reconcile_report", args=[tenant.office.pk]))
    assert page.status_code == 200
    assert "Trestle pushed $850.00; changed in Procore." in page.content.decode()
    assert "Repair all: Amount (1)" in page.content.decode()

    answer = client.get(reverse("reconcile_csv", args=[tenant.office.pk]))
    rows = streamed_rows(answer)
    assert [(r["field"], r["procore_value"], r["changed_on"]) for r in rows] == [
        ("amount", "935.00", "procore")
    ]


def test_the_csv_writes_text_from_procore_and_users_as_text(pushed, tenant, client):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    report(tenant)
    label, trestle, procore, message = FORMULAS
    Difference.objects.update(
        label=label, trestle_value=trestle, procore_value=procore, message=message, key=PLAIN
    )
    client.force_login(tenant.owner)
    (row,) = streamed_rows(client.get(reverse("reconcile_csv", args=[tenant.office.pk])))
    columns = ("record", "trestle_value", "procore_value", "message", "key")
    assert [row[c] for c in columns] == [*ESCAPED, PLAIN]


def test_the_button_queues_a_report_and_a_repair_queues_a_push(pushed, tenant, client):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    client.force_login(tenant.member("project_manager"))
    with_run = client.post(reverse("reconcile_run", args=[tenant.office.pk]))
    assert with_run.status_code == 302
    run = run_execute(SyncRun.objects.get(flow="reconcile").pk)
    difference = run.differences.get()
    client.post(reverse("difference_repair", args=[difference.pk]))
    difference.refresh_from_db()
    assert difference.repair_run.flow == "cor_push"
    assert difference.repair_run.params["cor_ids"] == [extra.cor_id]


def test_a_field_user_may_neither_run_nor_repair(pushed, tenant, client):
    client.force_login(tenant.member("field"))
    assert client.post(reverse("reconcile_run", args=[tenant.office.pk])).status_code == 403
    assert not SyncRun.objects.filter(flow="reconcile").exists()


def test_the_api_starts_a_report_once_per_key_and_lists_differences(pushed, tenant, client):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    client.force_login(tenant.owner)
    url = reverse("reconcile-run-list")
    body = {"office": tenant.office.pk}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 202
    assert first["Location"] == again["Location"] and first.json()["id"] == again.json()["id"]
    assert SyncRun.objects.filter(flow="reconcile").count() == 1
    run_execute(first.json()["id"])

    listed = client.get(reverse("reconcile-difference-list"), {"office": tenant.office.pk})
    [row] = listed.json()["results"]
    assert (row["field"], row["side"], row["procore_value"]) == ("amount", "procore", "935.00")


def test_another_account_sees_no_difference(pushed, tenant, outsider, client):
    extra, _ = pushed
    key = next(k for k in extra.line_ids if k.startswith("line:"))
    procore_line_change(extra, key, estimated_cost_unit_cost=93.5)
    difference = report(tenant).differences.get()
    client.force_login(outsider.owner)
    listed = client.get(reverse("reconcile-difference-list"), {"office": tenant.office.pk})
    assert listed.json()["results"] == []
    assert client.post(reverse("difference_repair", args=[difference.pk])).status_code == 404
    assert client.get(reverse("reconcile_report", args=[tenant.office.pk])).status_code == 404


def test_an_unreadable_change_event_is_a_failed_item_never_a_deleted_one(pushed, tenant):
    from apps.procore_sandbox import faults

    faults.set_faults(wrong_type=1.0, wrong_type_fields=["id"], paths=["/rest/v1.0/change_events"])
    run = reconcile_queue(office=tenant.office, user=tenant.owner, enqueue=lambda i: None)
    run = run_execute(run.pk)
    faults.reset_faults()
    assert run.status == "partial"
    assert not run.differences.exists()
    assert run.items.get().message.endswith("its CORs were not compared.")


def test_the_api_refuses_a_field_user(pushed, tenant, client):
    client.force_login(tenant.member("field"))
    started = client.post(
        reverse("reconcile-run-list"), {"office": tenant.office.pk}, content_type="application/json"
    )
    assert started.status_code == 403
    assert client.get(reverse("reconcile-difference-list")).status_code == 403


def test_a_prime_contract_taken_off_in_procore_is_found_and_pushed_again(procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Owner extra", line(target, "100"))
    prime = {"type": "prime_contract", "id": target.prime_id}
    assert push(target, tenant.owner, [cor], contract=prime).status == "succeeded"
    untouched = report(tenant)
    assert found(untouched) == []
    assert untouched.counts["requests"] == untouched.counts["requests_min"] == 2  # v1.0 + v1.1

    record = event_of(CorPush.objects.get(cor=cor))
    store.record_update(record, {"prime_contract_for_estimates": None})
    change_events.derive(record)
    run = report(tenant)
    [difference] = run.differences.all()
    assert (difference.field, difference.side) == ("contract", "procore")
    assert difference.message == (
        f"Procore's prime contract of Change Event 1 is none; Trestle pushed prime contract "
        f"#{target.prime_id}; changed in Procore."
    )
    [repair] = differences_repair(
        differences=[difference], user=tenant.owner, enqueue=lambda i: None
    )
    assert run_execute(repair.pk).status == "succeeded"
    assert found(report(tenant)) == []
