"""One beat entry fans out to the offices that are due, from each office's SyncSettings.

A run is queued once per office, flow and slot: settings rows are locked while they are checked,
so two schedulers (or two beats by mistake) never queue the same slot twice.
"""

import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .ap_payments.queueing import FLOW as PAYMENTS_FLOW
from .engine import FLOWS
from .engine_models import RunStatus, SyncRun, SyncSettings, Trigger
from .models import ConnectionStatus, ProcoreConnection
from .notifications import notify_failures_and_recovery
from .recovery import hand_on
from .runs import run_queue
from .time_export.options import DAILY_LOG_FLOW, DAILY_LOGS, TIME_FLOW, TimeOptions

DEFAULT_INTERVAL_MINUTES = {
    "entities": 60,
    "change_event_statuses": 15,
    "ap_invoices": 30,
    "payments": 30,
}
# Wizard switches whose runs go by another flow name (time goes one way or the other).
SWITCHED_FLOWS = {
    "manpower": DAILY_LOG_FLOW,
    "quantities": DAILY_LOG_FLOW,
    "payments": PAYMENTS_FLOW,
}
AP_FLOW, AP_SCHEDULED = "ap_import", ("auto_queue", "auto_route")
# The "Procore vs Trestle" report runs once a night per connected office, from this hour of the
# office's own time zone (the quiet hours of a contractor's day).
NIGHTLY_FLOW, NIGHTLY_HOUR = "reconcile", 2
# The full re-read of the entities (what a lost webhook delivery would have carried, records
# gone from Procore) runs every `options["full_reread_nights"]` nights of an office whose
# entity sync is on, from an hour before the report so the report compares fresh records.
FULL_KEY, FULL_HOUR, FULL_EVERY_NIGHTS = "entities_full", 1, 1
FULL_NIGHTS_MAX = 7


def flow_of(settings: SyncSettings, switch: str) -> str:
    """The engine flow a wizard switch runs: "time" by the office's time mode."""
    if switch == "time":
        return DAILY_LOG_FLOW if TimeOptions.of(settings).mode == DAILY_LOGS else TIME_FLOW
    if switch == "ap_invoices":  # by hand ("manual") or never chosen: nothing scheduled
        return AP_FLOW if settings.options.get("ap_import") in AP_SCHEDULED else ""
    return SWITCHED_FLOWS.get(switch, switch)


def interval_of(settings: SyncSettings, flow: str) -> timedelta:
    minutes = settings.intervals.get(flow) or DEFAULT_INTERVAL_MINUTES.get(flow, 60)
    return timedelta(minutes=max(5, int(minutes)))


def _is_due(settings: SyncSettings, flow: str, now) -> bool:
    last = settings.last_scheduled.get(flow)
    return last is None or parse_datetime(last) + interval_of(settings, flow) <= now


def full_reread_nights(settings: SyncSettings) -> int:
    """How many nights apart the full re-reads of the entities run (1: every night)."""
    nights = settings.options.get("full_reread_nights") or FULL_EVERY_NIGHTS
    return min(max(1, int(nights)), FULL_NIGHTS_MAX)


def _night_come(settings: SyncSettings, now, key: str, hour: int, nights: int = 1) -> bool:
    """Past `hour` in the office's zone, and `nights` local dates after the last one queued."""
    local = now.astimezone(zoneinfo.ZoneInfo(settings.office.time_zone))
    last = settings.last_scheduled.get(key)
    if local.hour < hour:
        return False
    return last is None or (local.date() - _local_date(last, local.tzinfo)).days >= nights


def _local_date(moment: str, zone):
    return parse_datetime(moment).astimezone(zone).date()


def _nightly_due(settings: SyncSettings, now) -> bool:
    return _night_come(settings, now, NIGHTLY_FLOW, NIGHTLY_HOUR)


def _full_due(settings: SyncSettings, now) -> bool:
    if not settings.flows.get("entities"):
        return False  # the entity sync is off: nothing to re-read
    return _night_come(settings, now, FULL_KEY, FULL_HOUR, full_reread_nights(settings))


def _connected_locked():
    """Connected offices' settings, each row locked (another scheduler skips it) until the
    caller's transaction ends."""
    connected = ProcoreConnection.objects.filter(status=ConnectionStatus.CONNECTED).values(
        "office_id"
    )
    return (
        SyncSettings.objects.select_for_update(skip_locked=True)
        .filter(office_id__in=connected)
        .select_related("office")
    )


def queue_due_runs(*, enqueue: Callable[[int], None]) -> int:
    now, queued = timezone.now(), 0
    with transaction.atomic():
        for settings in _connected_locked():
            due = [f for f, on in settings.flows.items() if on and _is_due(settings, f, now)]
            # one daily-log run; a switch whose flow is not built yet queues nothing
            flows = dict.fromkeys(f for f in (flow_of(settings, s) for s in due) if f in FLOWS)
            for flow in flows:
                run_queue(
                    office=settings.office, flow=flow, trigger=Trigger.SCHEDULE, enqueue=enqueue
                )
                queued += 1
            for switch in due:
                settings.last_scheduled = {**settings.last_scheduled, switch: now.isoformat()}
            if due:
                settings.save(update_fields=["last_scheduled"])
    return queued


def queue_nightly_reports(*, enqueue: Callable[[int], None], now: datetime | None = None) -> int:
    """The nightly "Procore vs Trestle" report of each connected office whose night has come;
    once per office and local date, under the same row locks as queue_due_runs."""
    return _queue_nightly(NIGHTLY_FLOW, NIGHTLY_FLOW, {}, _nightly_due, enqueue, now)


def queue_full_rereads(*, enqueue: Callable[[int], None], now: datetime | None = None) -> int:
    """The full re-read of the entities of each connected office whose night has come (the
    safety net of webhook-first sync: it finds what a lost delivery carried and deactivates
    what Procore no longer has); once per office and night, under the same row locks."""
    return _queue_nightly("entities", FULL_KEY, {"full": True}, _full_due, enqueue, now)


def _queue_nightly(flow, key, params, due, enqueue, now) -> int:
    now, queued = now or timezone.now(), 0
    with transaction.atomic():
        for settings in _connected_locked():
            if not due(settings, now):
                continue
            run_queue(
                office=settings.office,
                flow=flow,
                trigger=Trigger.SCHEDULE,
                params=params,
                enqueue=enqueue,
            )
            settings.last_scheduled = {**settings.last_scheduled, key: now.isoformat()}
            settings.save(update_fields=["last_scheduled"])
            queued += 1
    return queued


def after_run(run: SyncRun, *, enqueue: Callable[[int], None]) -> None:
    """Follow-ups of a finished run: the next waiting run of its flow, a coalesced rerun, and
    mail on failure or recovery."""
    if run.status == RunStatus.SKIPPED:
        return
    hand_on(run, enqueue=enqueue)
    with transaction.atomic():
        settings = SyncSettings.objects.select_for_update().filter(office=run.office).first()
        if settings is not None and run.flow in settings.rerun_requested:
            settings.rerun_requested = [f for f in settings.rerun_requested if f != run.flow]
            settings.save(update_fields=["rerun_requested"])
            run_queue(office=run.office, flow=run.flow, trigger=run.trigger, enqueue=enqueue)
    if run.trigger == Trigger.SCHEDULE:
        notify_failures_and_recovery(run)
