"""When queueing the runs of a time-card change fails after the change committed: a failed run
per office in their place, one item per time card, so Sync Activity shows the reason and Retry
failed sends those cards (timesheets) or their days (daily logs)."""

from collections import defaultdict

from apps.offices.models import Office
from apps.timecards.models import TimeCardEntry

from ..engine_models import SyncItem, SyncRun
from ..runs import run_not_queued, sync_settings_for
from .options import DAILY_LOG_FLOW, DAILY_LOGS, TIME_FLOW, TimeOptions
from .timesheets import ENTITY, entry_label

NOT_QUEUED = "Trestle could not queue sending these time cards to Procore: {error}"
NOT_QUEUED_FIX = "Retry this run; the scheduled pass of the time export sends them too."


def time_changes_not_queued(*, account, entry_ids: list[int], error: Exception) -> list[SyncRun]:
    entries = (
        TimeCardEntry.objects.for_account(account)
        .filter(pk__in=entry_ids)
        .select_related("employee", "project__office")
        .order_by("pk")
    )
    by_office: dict[Office, list[TimeCardEntry]] = defaultdict(list)
    for entry in entries:
        by_office[entry.project.office].append(entry)
    return [_office_run(office, rows, error) for office, rows in by_office.items()]


def _office_run(office: Office, entries: list[TimeCardEntry], error: Exception) -> SyncRun:
    reason, ids = NOT_QUEUED.format(error=error), [e.pk for e in entries]
    items = [
        SyncItem(
            entity=ENTITY,
            direction="out",
            object_id=e.pk,
            label=entry_label(e)[:200],
            message=reason,
            fix=NOT_QUEUED_FIX,
        )
        for e in entries
    ]
    if TimeOptions.of(sync_settings_for(office)).mode == DAILY_LOGS:
        days = sorted({(e.project_id, e.date.isoformat()) for e in entries})
        return run_not_queued(
            office=office, flow=DAILY_LOG_FLOW, error=reason, items=items, params={"days": days}
        )
    return run_not_queued(
        office=office,
        flow=TIME_FLOW,
        error=reason,
        items=items,
        params={"entry_ids": ids},
        work={"entity": ENTITY, "ids": ids, "done": []},
    )
