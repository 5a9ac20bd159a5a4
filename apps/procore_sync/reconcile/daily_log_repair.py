"""Repairs of the daily logs comparer's differences (reconcile/daily_logs.py)."""

from django.db import transaction

from apps.accounts.models import User

from ..engine_models import SyncRun, Trigger
from ..reconcile_models import Difference, DiffField
from ..runs import run_queue, sync_settings_for
from ..time_export.daily_logs import (
    KINDS,
    TIMECARDS,
)
from ..time_export.options import DAILY_LOG_FLOW, DAILY_LOGS, TimeOptions
from ..time_export.switch import switch_queue
from ..time_models import DailyLogPublish
from .comparison import Enqueue
from .daily_logs import unit_of


def daily_logs_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """Each day is published again in one daily_logs run, which writes what the cards make now
    and deletes ours they no longer make (a log gone from Procore is created anew). Timecards
    of an office that now sends time to timesheets are withdrawn by the switch's run instead.
    A queued run resolves nothing by itself: the next report shows whether it did."""
    office = todo[0].office
    publishes = DailyLogPublish.objects.in_bulk({d.object_id for d in todo})
    todo = [d for d in todo if d.object_id in publishes]
    if not todo:
        return []
    mode = TimeOptions.of(sync_settings_for(office)).mode
    moved = {d.pk for d in todo if d.key.startswith(f"{TIMECARDS}/") and mode != DAILY_LOGS}
    again = [d for d in todo if d.pk not in moved]
    runs = []
    with transaction.atomic():
        if again:
            _publish_again(again, publishes)
            runs.append(_settle(again, _day_run(office, again, publishes, user, enqueue)))
        withdrawn = [d for d in todo if d.pk in moved]
        if withdrawn and (
            run := switch_queue(office=office, old=DAILY_LOGS, user=user, enqueue=enqueue)
        ):
            runs.append(_settle(withdrawn, run))
    return runs


def _settle(differences: list[Difference], run: SyncRun) -> SyncRun:
    Difference.objects.filter(pk__in=[d.pk for d in differences]).update(repair_run=run)
    return run


def _publish_again(differences: list[Difference], publishes: dict[int, DailyLogPublish]) -> None:
    """The days' fingerprints are cleared (an unchanged day is otherwise left alone), and a log
    gone from Procore loses its stale id, so it is created, not updated."""
    for difference in differences:
        publish = publishes[difference.object_id]
        if difference.field == DiffField.MISSING_RECORD:
            unit = difference.key.split("/", 2)[2]
            publish.procore_ids = {
                k: v for k, v in publish.procore_ids.items() if unit_of(publish.kind, k) != unit
            }
        publish.fingerprint = ""
    for publish in {publishes[d.object_id] for d in differences}:
        publish.save(update_fields=["procore_ids", "fingerprint"])


def _day_run(office, differences, publishes, user, enqueue) -> SyncRun:
    chosen = {publishes[d.object_id] for d in differences}
    days = sorted({(p.project_id, p.date.isoformat()) for p in chosen})
    kinds = [k for k in KINDS if k in {p.kind for p in chosen}]
    return run_queue(
        office=office,
        flow=DAILY_LOG_FLOW,
        trigger=Trigger.USER,
        user=user,
        params={"days": [list(d) for d in days], "kinds": kinds},
        enqueue=enqueue,
    )
