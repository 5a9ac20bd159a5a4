"""Repairs of the timesheets comparer's differences (reconcile/timesheets.py)."""

from django.db import transaction

from apps.accounts.models import User
from apps.offices.models import Office
from apps.timecards.models import TimeCardEntry

from ..engine_models import ExternalRef, LinkState, SyncRun, Trigger
from ..reconcile_models import Difference, DiffField, Repair
from ..runs import run_queue, sync_settings_for
from ..time_export.options import TIMESHEETS, TimeOptions
from ..time_export.states import TIMECARD_ENTRY, current_print, entry_content_type
from ..time_export.switch import switch_queue
from .comparison import Enqueue
from .timesheets import FLOW, RESENT


def timesheets_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """One run settles them all: a time export of their cards that updates the entries Procore
    changed, creates anew the ones it deleted and withdraws the ones that no longer belong; or,
    for an office that now sends time to daily logs, the switch's run that moves every day the
    timesheets still hold. A queued run resolves nothing by itself: the next report shows it."""
    office = todo[0].office
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type=TIMECARD_ENTRY,
        content_type=entry_content_type(),
        object_id__in={d.object_id for d in todo},
    )
    with transaction.atomic():
        _prepare({r.object_id: r for r in refs}, todo)
        run = _queue(office, todo, user, enqueue)
        if run is None:
            return []
        Difference.objects.filter(pk__in=[d.pk for d in todo]).update(repair_run=run)
    return [run]


def _prepare(refs: dict[int, ExternalRef], todo: list[Difference]) -> None:
    """Makes the export write what it would otherwise leave: a card unchanged since its send is
    skipped, so Procore's other hours get an update (a failed link is sent again) and an entry
    Procore deleted is created anew (a removed link gets a new origin_id). A card changed since
    is updated anyway, and an update Procore answers 404 creates it anew."""
    entries = TimeCardEntry.objects.in_bulk({d.object_id for d in todo})
    for difference in todo:
        ref, entry = refs.get(difference.object_id), entries.get(difference.object_id)
        if ref is None or entry is None or current_print(entry) != ref.fingerprint:
            continue
        if difference.field == DiffField.HOURS:
            ref.state, ref.error = LinkState.FAILED, RESENT
        elif difference.field == DiffField.MISSING_RECORD:
            ref.procore_id, ref.state, ref.error = None, LinkState.ORPHANED, ""
        else:
            continue
        ref.save(update_fields=["procore_id", "state", "error"])


def _queue(
    office: Office, todo: list[Difference], user: User | None, enqueue: Enqueue
) -> SyncRun | None:
    if TimeOptions.of(sync_settings_for(office)).mode != TIMESHEETS:
        return switch_queue(office=office, old=TIMESHEETS, user=user, enqueue=enqueue)
    params: dict = {"entry_ids": sorted({d.object_id for d in todo})}
    withdraw = sorted({d.object_id for d in todo if d.repair == Repair.WITHDRAW})
    if withdraw:
        params["withdraw_ids"] = withdraw
    return run_queue(
        office=office, flow=FLOW, trigger=Trigger.USER, user=user, params=params, enqueue=enqueue
    )
