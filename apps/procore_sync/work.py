"""What a run was asked to do, what of it is done, and what is left.

A flow that works on known units (CORs, time cards, payments, entity kinds) plans them on the run
(`RunRecorder.plan`) before it sends anything. A unit is done when the run recorded an item for
it with any outcome but "failed" (or, for units without items of their own, when the flow said
so with `RunRecorder.unit_done`). Whatever is planned and not done is what Retry failed and crash
recovery send again, so neither sends nothing while claiming success, nor resends what went
through.
"""

from collections.abc import Callable, Iterable
from typing import Any

from apps.ap_invoices.models import ApPayment
from apps.core.labels import label as human_label
from apps.core.present import day, money
from apps.cors.models import ChangeOrderRequest
from apps.timecards.models import TimeCardEntry

from .engine_models import Outcome, RunStatus, SyncItem, SyncRun, WebhookDelivery, change_label

# The param that names a flow's units by id; a run narrowed to what is left sets it.
UNIT_PARAM = {
    "cor_push": "cor_ids",
    "time_export": "entry_ids",
    "ap_payments": "payment_ids",
    "entities": "entities",
    "webhook": "changes",
}
# Flows without planned units run again as a whole; these params make that run thorough.
RERUN_PARAMS: dict[str, dict[str, Any]] = {"ap_import": {"full": True}}
# Params that say which run a retry continues; never part of what a run was asked to do.
CHAIN_PARAMS = ("retry_of", "origin_run")
KIND = "kind"  # the unit of the entities flow: an entity kind, by name
INBOUND_FLOWS = {"entities", "ap_import", "change_event_statuses", "reconcile", "webhook"}


class NothingLeft(Exception):
    """A retry was asked for a run whose work all went through."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__(
            f"Nothing is left to do: everything run #{run.pk} was asked to do went through."
        )


def planned(run: SyncRun) -> list | None:
    return run.work.get("ids") if run.work else None


def done(run: SyncRun) -> set:
    """Planned units that went through: an item other than "failed", or marked done."""
    entity = run.work.get("entity")
    through = (
        SyncItem.objects.filter(run=run, entity=entity)
        .exclude(outcome=Outcome.FAILED)
        .exclude(object_id=None)
        .values_list("object_id", flat=True)
    )
    return set(through) | set(run.work.get("done", []))


def undone(run: SyncRun) -> list | None:
    """Planned units not done, in plan order; None when the run planned no units."""
    ids = planned(run)
    if ids is None:
        return None
    finished = done(run)
    left = [i for i in ids if i not in finished]
    if run.flow == "entities":  # a kind with failed records is read again in full
        failed_kinds = set(
            run.items.filter(outcome=Outcome.FAILED).values_list("entity", flat=True)
        )
        left += [k for k in ids if k in failed_kinds and k not in left]
    return left


def left_params(run: SyncRun) -> dict[str, Any] | None:
    """The params of a run that does exactly what `run` left undone; None when nothing is."""
    asked = {k: v for k, v in run.params.items() if k not in CHAIN_PARAMS}
    chain = {"retry_of": run.pk, "origin_run": run.params.get("origin_run", run.pk)}
    left = undone(run)
    key = UNIT_PARAM.get(run.flow)
    if left is not None and key is not None:
        if not left:
            return None
        extra = {"full": True} if run.flow == "entities" else {}
        return {**asked, key: left, **extra, **chain}
    if run.status != RunStatus.FAILED and not run.items.filter(outcome=Outcome.FAILED).exists():
        return None
    return {**asked, **RERUN_PARAMS.get(run.flow, {}), **chain}


def failed_units(run: SyncRun, reason: str, fix: str) -> list[SyncItem]:
    """Failed items for the planned units that have no item yet (the ones being worked on and
    those not reached), or one item for the whole run when it planned no units."""
    direction = "in" if run.flow in INBOUND_FLOWS else "out"
    left = undone(run)
    if left is None:
        return [_item(run.flow, direction, None, "This run", reason, fix)]
    entity = run.work["entity"]
    if entity == KIND:  # an entity kind's own name is the item's entity
        have = set(run.items.filter(entity__in=left).values_list("entity", flat=True))
        labels = _kind_labels(left)
        return [_item(k, direction, None, labels[k], reason, fix) for k in left if k not in have]
    have = set(run.items.filter(entity=entity).values_list("object_id", flat=True))
    missing = [i for i in left if i not in have]
    labels = LABELS[entity](missing) if entity in LABELS and missing else {}
    return [_item(entity, direction, i, labels.get(i, f"#{i}"), reason, fix) for i in missing]


def _item(entity: str, direction: str, unit: int | None, label: str, reason: str, fix: str):
    return SyncItem(
        entity=entity,
        direction=direction,
        object_id=unit,
        label=label[:200],
        outcome=Outcome.FAILED,
        message=reason,
        fix=fix,
    )


def _cor_labels(ids: list[int]) -> dict[int, str]:
    return {
        c.pk: f"COR-{c.number:03d} {c.title}" for c in ChangeOrderRequest.objects.filter(pk__in=ids)
    }


def _entry_labels(ids: list[int]) -> dict[int, str]:
    entries = TimeCardEntry.objects.filter(pk__in=ids).select_related("employee", "project")
    return {e.pk: f"{e.employee} · {e.project.number} · {day(e.date)}" for e in entries}


def _payment_labels(ids: list[int]) -> dict[int, str]:
    payments = ApPayment.objects.filter(pk__in=ids).select_related("invoice")
    return {
        p.pk: f"Payment {money(p.amount)}, invoice {p.invoice.invoice_number}" for p in payments
    }


def _change_labels(ids: list[int]) -> dict[int, str]:
    rows = WebhookDelivery.objects.filter(pk__in=ids)
    return {d.pk: change_label(d.resource_name, d.resource_id, d.event_type) for d in rows}


def _kind_labels(kinds: Iterable[str]) -> dict[str, str]:
    return {k: human_label(k) for k in kinds}


LABELS: dict[str, Callable[[list[int]], dict[int, str]]] = {
    "cor": _cor_labels,
    "time_card": _entry_labels,
    "ap_payments": _payment_labels,
    "webhook_change": _change_labels,
}
