"""The pending changes of an office: recorded by a delivery, claimed by one "webhook" run,
then applied or failed.

A run claims with a conditional UPDATE, so a change is never applied by two runs; one the run
could not finish stays claimed by it, and what the run left undone (work.py) is what Retry
failed and crash recovery claim again by id.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.offices.models import Office

from ..engine_models import ChangeState, RunStatus, SyncRun, Trigger, WebhookDelivery
from ..runs import run_queue

FLOW = "webhook"
CHANGE = "webhook_change"  # the unit of the flow (a WebhookDelivery pk) in run.work and items
CLAIM_LIMIT = 500  # changes one claim takes; the run claims again until none is pending
RECLAIMABLE = (ChangeState.PENDING, ChangeState.CLAIMED, ChangeState.FAILED)


@dataclass(frozen=True)
class Change:
    pk: int
    resource_name: str
    event_type: str
    resource_id: int | None
    project_id: int | None

    @property
    def deleted(self) -> bool:
        return self.event_type == "delete"


def changes_queue(office: Office, *, enqueue: Callable[[int], None]) -> None:
    """After a pending change is written (same transaction): queue a run to apply it unless one
    is queued and not started yet, which claims it when it starts. The office row is locked as
    `run_acquire` locks it, so a queued run either starts after this commit (and sees the
    change) or had started before (and this queues the next one)."""
    Office.objects.select_for_update().filter(pk=office.pk).first()
    waiting = SyncRun.objects.filter(office=office, flow=FLOW, status=RunStatus.QUEUED)
    if not waiting.filter(params={}).exists():
        run_queue(office=office, flow=FLOW, trigger=Trigger.WEBHOOK, enqueue=enqueue)


def changes_claim(run: SyncRun, ids: list[int] | None = None) -> list[Change]:
    """The office's pending changes (or the ones named by `ids`, in any unfinished state), now
    the run's, oldest first."""
    rows = WebhookDelivery.objects.filter(office_id=run.office_id)
    if ids is None:
        rows = rows.filter(state=ChangeState.PENDING)
    else:
        rows = rows.filter(pk__in=ids, state__in=RECLAIMABLE)
    with transaction.atomic():
        pks = list(rows.order_by("id").values_list("pk", flat=True))
        pks = pks if ids is not None else pks[:CLAIM_LIMIT]
        rows.filter(pk__in=pks).update(state=ChangeState.CLAIMED, run=run)
    claimed = WebhookDelivery.objects.filter(pk__in=pks, run=run, state=ChangeState.CLAIMED)
    fields = ("pk", "resource_name", "event_type", "resource_id", "project_id")
    return [Change(*row) for row in claimed.order_by("id").values_list(*fields)]


def changes_applied(pks: list[int]) -> None:
    WebhookDelivery.objects.filter(pk__in=pks).update(
        state=ChangeState.APPLIED, applied_at=timezone.now()
    )


def changes_failed(pks: list[int]) -> None:
    WebhookDelivery.objects.filter(pk__in=pks).update(state=ChangeState.FAILED)
