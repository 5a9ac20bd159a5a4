"""What Procore holds after a push: quantity x unit cost = amount on every line (markup as lines
of its own), credit CORs, and the prime contract where Procore publishes it."""

from decimal import Decimal

import pytest

from apps.cors.services import Line, cor_update
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.client import resources
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.cor_push.lines import key_of
from apps.procore_sync.cor_push.push import Pusher
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.push_models import CorPush

from .conftest import D, line, make_cor, push

pytestmark = pytest.mark.django_db(transaction=True)


def procore_lines(procore) -> dict[str, dict]:
    [event] = procore.records("change_events")
    return {key_of(i["description"]): i for i in event["change_event_line_items"]}


def amount(item: dict) -> Decimal:
    return D(str(item["estimated_cost_amount"]))


def product(item: dict) -> Decimal:
    quantity = D(str(item["estimated_cost_quantity"]))
    return (quantity * D(str(item["estimated_cost_unit_cost"]))).quantize(D("0.01"))


def test_markup_goes_as_its_own_line_so_quantity_times_unit_cost_is_the_amount(
    procore, target, tenant
):
    cor = make_cor(
        target,
        tenant.owner,
        "Outlets",
        line(target, "85", qty="10", markup="10"),
        line(target, "12.35", qty="3", cost_type="material", markup="7.5"),
        line(target, "40", cost_type="equipment"),
    )
    assert cor.total == D("850.00") + D("85.00") + D("37.05") + D("2.78") + D("40.00")

    run = push(target, tenant.owner, [cor])

    assert run.status == RunStatus.SUCCEEDED, run.error
    held = procore_lines(procore)
    outlets, material, _ = cor.lines.all()
    assert (product(held[f"line:{outlets.pk}"]), amount(held[f"line:{outlets.pk}"])) == (
        D("850.00"),
        D("850.00"),
    )
    assert amount(held[f"markup:{outlets.pk}"]) == D("85.00")
    assert amount(held[f"markup:{material.pk}"]) == D("2.78")
    assert all(product(item) == amount(item) for item in held.values())
    assert sum(amount(item) for item in held.values()) == cor.total
    assert CorPush.objects.get(cor=cor).pushed_total == cor.total
    assert "differs" not in run.items.get().message


def test_dropping_a_markup_zeroes_its_procore_line_and_totals_still_agree(procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Outlets", line(target, "85", qty="10", markup="10"))
    push(target, tenant.owner, [cor])
    event_id = CorPush.objects.get(cor=cor).change_event_id
    kept = cor.lines.get()
    edited = Line(**{**line(target, "85", qty="10").__dict__, "id": kept.pk})
    cor_update(cor=cor, user=tenant.owner, lines=[edited], title="Outlets")
    cor.refresh_from_db()

    run = push(target, tenant.owner, [cor], change_event_id=event_id)

    assert run.status == RunStatus.SUCCEEDED, run.error
    held = procore_lines(procore)
    assert amount(held[f"markup:{kept.pk}"]) == 0
    assert held[f"markup:{kept.pk}"]["description"].startswith("Removed from COR: ")
    assert sum(amount(item) for item in held.values()) == cor.total == D("850.00")
    assert CorPush.objects.get(cor=cor).pushed_total == D("850.00")


def test_a_credit_cor_pushes_and_pushes_again(procore, target, tenant):
    cor = make_cor(
        target,
        tenant.owner,
        "Delete the canopy",
        line(target, "-1200", markup="10"),
        line(target, "150", qty="-2", cost_type="material"),
    )
    assert cor.total == D("-1620.00")

    first = push(target, tenant.owner, [cor])

    assert first.status == RunStatus.SUCCEEDED, (first.error, list(first.items.values("message")))
    held = procore_lines(procore)
    assert sum(amount(item) for item in held.values()) == D("-1620.00")
    assert all(product(item) == amount(item) for item in held.values())
    pushed = CorPush.objects.get(cor=cor)
    assert pushed.pushed_total == D("-1620.00")

    canopy, rails = cor.lines.all()
    smaller = [
        Line(**{**line(target, "-1000", markup="10").__dict__, "id": canopy.pk}),
        Line(**{**line(target, "150", qty="-2", cost_type="material").__dict__, "id": rails.pk}),
    ]
    cor_update(cor=cor, user=tenant.owner, lines=smaller, title=cor.title)
    cor.refresh_from_db()
    again = push(target, tenant.owner, [cor], change_event_id=pushed.change_event_id)

    assert again.status == RunStatus.SUCCEEDED, again.error
    held = procore_lines(procore)
    assert len(held) == 3 and sum(amount(item) for item in held.values()) == D("-1400.00")
    assert "-$1,620.00 -> -$1,400.00" in again.items.get().message


def test_a_credit_cor_pushes_as_a_lump_sum(procore, target, tenant):
    cor = make_cor(target, tenant.owner, "Credit", line(target, "-500", markup="10"))
    run = push(target, tenant.owner, [cor], mode="lump_sum")
    assert run.status == RunStatus.SUCCEEDED, run.error
    [item] = procore_lines(procore).values()
    assert amount(item) == product(item) == D("-550.00")


@pytest.mark.parametrize("mode", ["lines", "lump_sum"])
def test_the_prime_contract_lands_on_the_change_event_as_procore_publishes_it(
    procore, target, tenant, mode
):
    cor = make_cor(target, tenant.owner, "Owner change", line(target, "100", markup="5"))
    prime = {"type": "prime_contract", "id": target.prime_id}

    run = push(target, tenant.owner, [cor], mode=mode, contract=prime)

    assert run.status == RunStatus.SUCCEEDED, (run.error, list(run.items.values("message")))
    event_id = CorPush.objects.get(cor=cor).change_event_id
    client = ProcoreClient(procore.connection)
    shown = client.get(
        f"/rest/v1.1/change_events/{event_id}", {"project_id": target.procore_project_id}
    )
    assert shown["prime_contract_for_estimates"]["id"] == target.prime_id
    assert shown["prime_contract_for_estimates"]["number"] == "PC-001"
    v10 = resources.change_event(client, event_id, project_id=target.procore_project_id)
    # v1.0 lines name a commitment only: none is named, none is made up
    assert all(i["proposed_contract_id"] is None for i in v10["change_event_line_items"])
    assert CorPush.objects.get(cor=cor).contract == prime
    assert "Prime contract PC-001 on the Change Event." in run.items.get().message


def test_a_commitment_still_goes_on_every_line_and_no_prime_contract_is_set(
    procore, target, tenant
):
    cor = make_cor(target, tenant.owner, "Sub work", line(target, "100", markup="5"))
    run = push(target, tenant.owner, [cor])
    assert run.status == RunStatus.SUCCEEDED, run.error
    held = procore_lines(procore)
    assert {i["proposed_contract_id"] for i in held.values()} == {target.commitment_id}
    record = SandboxRecord.objects.get(resource="change_events")
    assert record.data.get("prime_contract_for_estimates") is None


def test_a_prime_contract_procore_refuses_fails_the_cors_with_its_reason(
    procore, target, tenant, monkeypatch
):
    cor = make_cor(target, tenant.owner, "Owner change", line(target, "100"))
    prime = SandboxRecord.objects.get(id=target.prime_id)
    write = Pusher._write

    def write_then_delete(self, batch):  # deleted in Procore between the pre-flight and the PATCH
        event = write(self, batch)
        SandboxRecord.objects.filter(pk=prime.pk).update(deleted_at=prime.updated_at)
        return event

    monkeypatch.setattr(Pusher, "_write", write_then_delete)
    run = push(target, tenant.owner, [cor], contract={"type": "prime_contract", "id": prime.id})

    assert run.status == RunStatus.PARTIAL
    item = run.items.get()
    assert item.outcome == "failed" and "rejected" in item.message.lower()
    assert not CorPush.objects.filter(cor=cor).exists()  # not counted as pushed
