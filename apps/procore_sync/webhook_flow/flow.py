"""The "webhook" run: claim the office's pending changes, apply them kind by kind (parents
first), and claim again until none is left, so deliveries that land while it runs are applied
by it and not by a run of their own.

Its units are the changes (WebhookDelivery pks, `work` entity "webhook_change"): a change is done
when it was applied; one that failed has a failed item with the reason, and Retry failed (or
crash recovery) claims exactly those again by id (`params["changes"]`).
"""

from collections import Counter, defaultdict

from ..client.errors import NeedsReconnect, PermissionDenied, ProcoreError
from ..engine_models import Outcome, SyncItem, SyncRun, change_label
from ..importers.context import SyncContext, run_context
from ..runs import RunRecorder
from ..webhooks import RESOURCES
from .applied import Applied
from .apply import HANDLERS, ORDER
from .changes import CHANGE, Change, changes_applied, changes_claim, changes_failed

UNIT_PARAM = "changes"
RETRY_FIX = "Retry failed reads it from Procore again; the scheduled sync also catches it."


def webhook_flow(run: SyncRun, recorder: RunRecorder) -> None:
    ctx = run_context(run)
    chosen = run.params.get(UNIT_PARAM)
    while changes := changes_claim(run, chosen):
        _plan_more(recorder, [c.pk for c in changes])
        for kind, group in _grouped(changes):
            _apply(ctx, recorder, kind, group)
        if chosen is not None:
            return  # a retry applies the changes it names, nothing else


def _grouped(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    groups: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        subscription = RESOURCES.get(change.resource_name)
        groups[subscription.entity if subscription else ""].append(change)
    unknown = groups.pop("", [])
    return [(k, groups[k]) for k in ORDER if k in groups] + ([("", unknown)] if unknown else [])


def _plan_more(recorder: RunRecorder, pks: list[int]) -> None:
    """The claimed changes join the run's units before any is applied (work.py)."""
    run = recorder.run
    work = run.work or {"entity": CHANGE, "ids": [], "done": []}
    run.work = {**work, "ids": [*work["ids"], *pks]}
    run.progress_total = len(run.work["ids"])
    run.save(update_fields=["work", "progress_total"])


def _apply(ctx: SyncContext, recorder: RunRecorder, kind: str, group: list[Change]) -> None:
    handler = HANDLERS.get(kind)
    try:
        done = handler(ctx, group) if handler else Applied()
    except (NeedsReconnect, PermissionDenied):
        raise  # the connection's problem: the run stops and every change left fails with it
    except ProcoreError as exc:
        done = Applied(failed={c.pk: exc.message for c in group})
    failed = [_failed_item(c, why) for c in group if (why := done.failed.get(c.pk))]
    recorder.add(done.counts + Counter(failed=len(failed)), done.items + failed, done=len(group))
    gone_wrong = set(done.failed) | done.failed_in_items
    applied = [c.pk for c in group if c.pk not in gone_wrong]
    changes_applied(applied)
    changes_failed(sorted(gone_wrong))
    run = recorder.run
    run.work = {**run.work, "done": [*run.work["done"], *applied]}
    run.save(update_fields=["work"])


def _failed_item(change: Change, why: str) -> SyncItem:
    return SyncItem(
        entity=CHANGE,
        direction="in",
        object_id=change.pk,
        procore_id=change.resource_id,
        label=change_label(change.resource_name, change.resource_id, change.event_type),
        outcome=Outcome.FAILED,
        message=why,
        fix=RETRY_FIX,
    )
