"""Pushing CORs into Procore Change Events, against the sandbox over real HTTP."""

from collections import Counter
from decimal import Decimal

import pytest

from apps.accounts.models import AuditEntry
from apps.cors.services import cor_set_status, cor_update
from apps.procore_sync.cor_push.lines import key_of
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.push_models import CorPush

from .conftest import D, line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


def events(procore):
    return procore.records("change_events")


def amounts(event) -> dict[str, Decimal]:
    return {
        key_of(item["description"]): D(str(item["estimated_cost_amount"]))
        for item in event["change_event_line_items"]
    }


def test_two_cors_as_line_items_make_one_new_change_event(procore, target, tenant):
    first = make_cor(
        target,
        tenant.owner,
        "Extra outlets",
        line(target, "100", markup="10"),
        line(target, "40", cost_type="material"),
    )
    second = make_cor(target, tenant.owner, "Move wall", line(target, "250", code="wiring"))

    run = push(target, tenant.owner, [first, second])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.counts == {"created": 2}
    [event] = events(procore)
    assert event["title"] == "Owner changes" and event["origin_id"] == f"trestle-cor-push-{run.pk}"
    lines = {key_of(i["description"]): i for i in event["change_event_line_items"]}
    first_lines = list(first.lines.all())
    marked_up = first_lines[0].pk
    assert set(lines) == {
        *(f"line:{x.pk}" for x in [*first_lines, *second.lines.all()]),
        f"markup:{marked_up}",  # the markup goes as a line of its own
    }
    labor, markup = lines[f"line:{marked_up}"], lines[f"markup:{marked_up}"]
    assert D(str(labor["estimated_cost_amount"])) == D("100.00")
    assert D(str(markup["estimated_cost_amount"])) == D("10.00")
    assert markup["description"].startswith("COR-001: markup 10% on ")
    assert labor["budget_code"]["id"] == markup["budget_code"]["id"] == target.budget["09-200.L"]
    assert lines[f"line:{first_lines[1].pk}"]["budget_code"]["id"] == target.budget["09-200.M"]
    assert labor["proposed_contract_id"] == target.commitment_id
    assert labor["description"].startswith("COR-001: ")
    pushed = CorPush.objects.get(cor=first)
    assert (pushed.change_event_id, pushed.pushed_total) == (event["id"], D("150.00"))
    assert pushed.change_event_status == "Open" and pushed.fingerprint == first.fingerprint
    assert AuditEntry.objects.filter(action="procore.cors_pushed").count() == 1


def test_lump_sum_into_an_existing_change_event(procore, target, tenant):
    existing = procore.add(
        "change_events",
        project_id=target.procore_project_id,
        title="CE 7",
        number="7",
        change_event_status_id=target.statuses["Open"],
        event_scope="tbd",
    )
    cor = make_cor(target, tenant.owner, "Slab", line(target, "500"), line(target, "20", qty="2"))
    code = target.budget["26-100.O"]

    run = push(
        target,
        tenant.owner,
        [cor],
        mode="lump_sum",
        change_event_id=existing.id,
        budget_codes={f"cor:{cor.pk}": code},
        contract={"type": "prime_contract", "id": target.prime_id},
    )

    assert run.status == RunStatus.SUCCEEDED, run.error
    [event] = events(procore)
    [item] = event["change_event_line_items"]
    assert key_of(item["description"]) == f"cor:{cor.pk}"
    assert D(str(item["estimated_cost_amount"])) == D("540.00")
    assert item["budget_code"]["id"] == code and not item.get("proposed_contract_id")


def test_an_edited_cor_is_out_of_date_and_a_repush_updates_the_same_lines(procore, target, tenant):
    cor = make_cor(
        target,
        tenant.owner,
        "Outlets",
        line(target, "100"),
        line(target, "50"),
        line(target, "30", cost_type="equipment"),
    )
    push(target, tenant.owner, [cor])
    before = CorPush.objects.get(cor=cor)
    event_id = before.change_event_id
    kept, dropped, third = cor.lines.all()

    edited = [
        line(target, "120"),
        line(target, "30", cost_type="equipment"),
        line(target, "75", cost_type="material"),
    ]
    edited[0] = edited[0].__class__(**{**edited[0].__dict__, "id": kept.pk})
    edited[1] = edited[1].__class__(**{**edited[1].__dict__, "id": third.pk})
    cor_update(cor=cor, user=tenant.owner, lines=edited, title="Outlets")
    cor.refresh_from_db()
    assert cor.fingerprint != before.fingerprint  # the log shows "out of date"

    run = push(target, tenant.owner, [cor], change_event_id=event_id)

    assert run.status == RunStatus.SUCCEEDED, run.error
    [event] = events(procore)
    by_key = amounts(event)
    assert (
        Counter(key_of(i["description"]) for i in event["change_event_line_items"]).most_common(1)[
            0
        ][1]
        == 1
    )
    new_line = cor.lines.exclude(pk__in=[kept.pk, third.pk]).get()
    assert by_key[f"line:{kept.pk}"] == D("120.00") and by_key[f"line:{new_line.pk}"] == D("75.00")
    assert by_key[f"line:{dropped.pk}"] == 0  # v1.0 cannot delete a line: zeroed, and says so
    ids = {key_of(i["description"]): i["id"] for i in event["change_event_line_items"]}
    assert ids[f"line:{kept.pk}"] == before.line_ids[f"line:{kept.pk}"]
    after = CorPush.objects.get(cor=cor)
    assert (before.pushed_total, after.pushed_total) == (D("180.00"), D("225.00"))
    assert after.fingerprint == cor.fingerprint
    item = run.items.get()
    assert item.outcome == "updated" and "$180.00 -> $225.00" in item.message


def test_preflight_puts_each_problem_on_what_it_concerns(procore, target, tenant):
    closed = procore.add(
        "change_events",
        project_id=target.procore_project_id,
        title="Done",
        number="3",
        change_event_status_id=target.statuses["Closed"],
        event_scope="tbd",
    )
    from apps.procore_sync.cor_push.preflight import plan_push
    from apps.projects.models import CostCode

    stray = CostCode.objects.create(
        office=tenant.office, code="99-999", name="X", division_code="99"
    )
    fine = make_cor(target, tenant.owner, "Fine", line(target, "10"))
    uncoded = make_cor(target, tenant.owner, "No code", line(target, "10"))
    uncoded_line = uncoded.lines.get()
    uncoded_line.cost_code = stray
    uncoded_line.save()
    void = make_cor(target, tenant.owner, "Void", line(target, "10"))
    cor_set_status(cor=void, status="void", user=tenant.owner)

    plan = plan_push(
        target.project, [fine, uncoded, void], target.options(change_event_id=closed.id), fresh=True
    )
    assert plan.blocked
    assert [p.message for p in plan.problems if p.cor_id is None] == ["Change Event 3 is closed."]
    assert plan.problems_of(fine.pk) == []
    [no_code] = plan.problems_of(uncoded.pk)
    assert no_code.line_key == f"line:{uncoded_line.pk}" and "no budget code" in no_code.message
    assert "void" in plan.problems_of(void.pk)[0].message

    terminated = procore.add(
        "work_order_contracts",
        project_id=target.procore_project_id,
        number="SC-9",
        status="Terminated",
    )
    plan = plan_push(
        target.project,
        [fine],
        target.options(contract={"type": "commitment", "id": terminated.id}),
        fresh=True,
    )
    assert [p.message for p in plan.problems] == ["Contract SC-9 is terminated."]
    run = push(target, tenant.owner, [fine], contract={"type": "commitment", "id": terminated.id})
    assert run.status == RunStatus.FAILED and "terminated" in run.error
    assert [e["id"] for e in events(procore)] == [closed.id]  # nothing was sent


def test_one_bad_cor_fails_alone(procore, target, tenant):
    good = make_cor(target, tenant.owner, "Good", line(target, "10"))
    bad = make_cor(target, tenant.owner, "Bad", line(target, "10"))
    run = push(
        target, tenant.owner, [good, bad], budget_codes={f"line:{bad.lines.get().pk}": 999999}
    )
    assert run.status == RunStatus.PARTIAL
    assert dict(run.items.values_list("object_id", "outcome")) == {
        good.pk: "created",
        bad.pk: "failed",
    }
    assert (
        CorPush.objects.filter(cor=good).exists() and not CorPush.objects.filter(cor=bad).exists()
    )


def test_a_cor_in_one_change_event_is_not_pushed_into_another(procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Once", line(target, "10"))
    push(target, tenant.owner, [cor])
    again = push(target, tenant.owner, [cor], title="Second event")
    assert again.status == RunStatus.PARTIAL
    assert "already in Change Event" in again.items.get().message
    assert len(events(procore)) == 1


def test_faults_never_make_a_second_change_event_or_line(procore, target, tenant):
    from apps.procore_sandbox import faults
    from apps.procore_sync.engine import run_execute
    from apps.procore_sync.runs import run_retry_failed

    cors = [
        make_cor(target, tenant.owner, f"C{n}", line(target, "10"), line(target, "5"))
        for n in range(12)
    ]
    faults.set_faults(seed=3, error_503=0.2, drop_before=0.1, drop_after=0.25)
    run = push(target, tenant.owner, cors)
    for _ in range(15):  # what a user does with "Retry failed" until everything is in
        if run.counts.get("failed", 0) == 0 and run.status != RunStatus.FAILED:
            break
        run = run_retry_failed(run=run, user=tenant.owner, enqueue=lambda run_id: None)
        run_execute(run.pk)
        run.refresh_from_db()
    faults.reset_faults()
    assert run.counts.get("failed", 0) == 0, list(run.items.values_list("message", flat=True))
    [event] = events(procore)
    keys = Counter(key_of(i["description"]) for i in event["change_event_line_items"])
    assert len(keys) == 24 and set(keys.values()) == {1}
    assert CorPush.objects.filter(cor__in=cors, change_event_id=event["id"]).count() == 12


CHANGE_EVENT_WRITES = {"paths": ["/rest/v1.0/change_events"], "methods": ["POST", "PATCH"]}


@pytest.mark.parametrize("fault", ["drop_after", "error_503", "drop_before"])
def test_a_lost_create_still_ends_with_exactly_one_change_event(procore, target, tenant, fault):
    from apps.procore_sandbox import faults

    cor = make_cor(target, tenant.owner, "Once only", line(target, "10"), line(target, "20"))
    faults.set_faults(**{fault: 1.0}, max_faults=1, **CHANGE_EVENT_WRITES)
    run = push(target, tenant.owner, [cor])
    faults.reset_faults()

    assert run.status == RunStatus.SUCCEEDED, (run.error, list(run.items.values("message")))
    [event] = events(procore)
    assert len(event["change_event_line_items"]) == 2
    assert CorPush.objects.get(cor=cor).change_event_id == event["id"]


def test_a_lost_line_update_adds_no_line_twice(procore, target, tenant):
    from apps.procore_sandbox import faults

    first = make_cor(target, tenant.owner, "First", line(target, "10"))
    push(target, tenant.owner, [first])
    event_id = CorPush.objects.get(cor=first).change_event_id
    second = make_cor(target, tenant.owner, "Second", line(target, "5"), line(target, "6"))
    faults.set_faults(
        drop_after=1.0, max_faults=1, paths=["/rest/v1.0/change_events"], methods=["PATCH"]
    )
    run = push(target, tenant.owner, [second], change_event_id=event_id)
    faults.reset_faults()

    assert run.status == RunStatus.SUCCEEDED, list(run.items.values("message"))
    [event] = events(procore)
    keys = [key_of(i["description"]) for i in event["change_event_line_items"]]
    assert len(keys) == 3 == len(set(keys))


def test_a_malformed_procore_answer_fails_the_cor_with_a_clear_message(
    procore, target, tenant, monkeypatch
):
    cor = make_cor(target, tenant.owner, "Odd answer", line(target, "10"))
    monkeypatch.setattr(
        "apps.procore_sync.cor_push.push.resources.change_event_create",
        lambda *args, **kwargs: {"unexpected": True},
    )
    run = push(target, tenant.owner, [cor])
    assert run.status == RunStatus.PARTIAL
    item = run.items.get()
    assert item.outcome == "failed" and "could not be read" in item.message
    assert not CorPush.objects.filter(cor=cor).exists()
