"""Queue a time export as a SyncRun: "Export now" for an office and a date range, or the time
cards a signal names (filtered by the office's trigger), and the pre-flight the page shows."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.offices.models import Office
from apps.timecards.models import EntryStatus, TimeCardEntry

from ..client.errors import ProcoreError
from ..engine_models import ExternalRef, SyncRun, SyncSettings, Trigger
from ..live import RunError, live_connection
from ..models import ConnectionStatus, ProcoreConnection
from ..runs import run_queue, sync_settings_for
from ..time_models import DailyLogKind, DailyLogPublish
from .options import DAILY_LOG_FLOW, DAILY_LOGS, ON_SUBMIT, TIME_FLOW, TIMESHEETS, TimeOptions
from .preflight import Problem, Targets, entry_problems, problems_text, removal_problems
from .states import TIMECARD_ENTRY, entry_content_type
from .switch import mode_label

MAX_DAYS = 366
MANUAL_LOG_KINDS = [DailyLogKind.MANPOWER.value, DailyLogKind.QUANTITIES.value]


def export_flow(office: Office, mode: str | None = None) -> tuple[str, str, list[str]]:
    """(mode, flow, daily-log kinds) of an export: time goes where the office sends it, never
    elsewhere (hours in both places would count twice; changing it moves what Procore holds,
    see switch.py). A `mode` given must be the office's."""
    office_mode = TimeOptions.of(sync_settings_for(office)).mode
    if mode is not None and mode != office_mode:
        raise ValidationError(
            {
                "mode": f"This office sends time to {mode_label(office_mode)}: Export now "
                "follows that setting, as sending elsewhere too would count the hours twice. "
                "Change where time goes in Settings > Procore."
            }
        )
    if office_mode == TIMESHEETS:
        return office_mode, TIME_FLOW, []
    return office_mode, DAILY_LOG_FLOW, [DailyLogKind.TIMECARDS.value, *MANUAL_LOG_KINDS]


def check_range(start: date | None, end: date | None) -> None:
    if start is None or end is None:
        raise ValidationError({"start": "Give the first and the last day to export."})
    if end < start:
        raise ValidationError({"end": "The last day comes before the first."})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"end": f"Export at most {MAX_DAYS} days at a time."})


def time_export_queue(
    *,
    office: Office,
    user: User | None,
    start: date,
    end: date,
    mode: str | None = None,
    enqueue: Callable[[int], None],
) -> SyncRun:
    """ "Export now": every time card of the office in [start, end] (project-local dates) goes
    where the office sends time (`mode`, if given, must be that); what is already in Procore and
    unchanged is left alone."""
    check_range(start, end)
    mode, flow, kinds = export_flow(office, mode)
    _connected(office)
    params = {"start": start.isoformat(), "end": end.isoformat(), "mode": mode}
    if kinds:
        params["kinds"] = kinds
    run = run_queue(
        office=office, flow=flow, trigger=Trigger.USER, user=user, params=params, enqueue=enqueue
    )
    audit_record(
        account=office.account,
        actor=user,
        action="procore.time_exported",
        target=office,
        detail={"run": run.pk, "flow": flow, "start": params["start"], "end": params["end"]},
    )
    return run


def _connected(office: Office) -> None:
    try:
        live_connection(office)
    except RunError as exc:
        raise ValidationError(str(exc)) from exc


# --- the signal: time cards changed ----------------------------------------------------------


def time_changes_queue(
    *, account, entry_ids: list[int], action: str, enqueue: Callable[[int], None]
) -> list[SyncRun]:
    """Runs for the offices whose settings want this change sent (their trigger, their flows)."""
    rows = list(
        TimeCardEntry.objects.for_account(account)
        .filter(pk__in=entry_ids)
        .values("pk", "project_id", "date", "status", "project__office_id")
    )
    by_office: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_office[row["project__office_id"]].append(row)
    connected = set(
        ProcoreConnection.objects.filter(
            office_id__in=by_office, status=ConnectionStatus.CONNECTED
        ).values_list("office_id", flat=True)
    )
    runs = []
    for settings in SyncSettings.objects.filter(office_id__in=connected).select_related("office"):
        runs += _office_runs(settings, by_office[settings.office_id], action, enqueue)
    return runs


def _office_runs(settings: SyncSettings, rows: list[dict], action: str, enqueue) -> list[SyncRun]:
    options, office, runs = TimeOptions.of(settings), settings.office, []
    ids = [r["pk"] for r in rows]
    if options.mode == TIMESHEETS and options.time_on and _sends(action, options, rows, office):
        runs.append(
            run_queue(
                office=office,
                flow=TIME_FLOW,
                trigger=Trigger.USER,
                params={"entry_ids": ids},
                enqueue=enqueue,
            )
        )
    kinds = list(options.daily_log_kinds)
    if kinds and _publishes(action, options, rows, office):
        days = sorted({(r["project_id"], r["date"].isoformat()) for r in rows})
        runs.append(
            run_queue(
                office=office,
                flow=DAILY_LOG_FLOW,
                trigger=Trigger.USER,
                params={"days": days, "kinds": kinds},
                enqueue=enqueue,
            )
        )
    return runs


def _trigger_met(action: str, options: TimeOptions) -> bool | None:
    """True/False when the action alone decides; None when it depends on what was sent."""
    if action == EntryStatus.APPROVED:
        return True
    if action == EntryStatus.SUBMITTED:
        return options.trigger == ON_SUBMIT
    return None


def _sends(action: str, options: TimeOptions, rows: list[dict], office: Office) -> bool:
    met = _trigger_met(action, options)
    if met is not None:
        return met
    if action == "updated" and any(r["status"] in options.statuses for r in rows):
        return True
    return ExternalRef.objects.filter(  # rejected, deleted, or edited back: was it sent?
        office=office,
        procore_type=TIMECARD_ENTRY,
        content_type=entry_content_type(),
        object_id__in=[r["pk"] for r in rows],
    ).exists()


def _publishes(action: str, options: TimeOptions, rows: list[dict], office: Office) -> bool:
    met = _trigger_met(action, options)
    if met is not None:
        return met
    if action == "updated" and any(r["status"] in options.statuses for r in rows):
        return True
    return DailyLogPublish.objects.filter(
        office=office,
        project_id__in={r["project_id"] for r in rows},
        date__in={r["date"] for r in rows},
    ).exists()


# --- what the Export now page shows before anything is sent ----------------------------------


@dataclass
class Preview:
    office: Office
    mode: str
    entries: int = 0  # time cards in the range that belong in Procore
    removals: int = 0  # rejected or deleted ones with a Procore twin
    refused: list[tuple[TimeCardEntry, str, str]] = field(default_factory=list)
    problem: Problem | None = None  # nothing can be checked (no connection, Procore down)

    @property
    def mode_label(self) -> str:
        return mode_label(self.mode)


def export_preview(*, office: Office, start: date, end: date) -> Preview:
    """The pre-flight of an export, per time card, from Procore's catalogs (cached a minute)."""
    check_range(start, end)
    mode, _, _ = export_flow(office)
    preview = Preview(office=office, mode=mode)
    try:
        connection = live_connection(office)
    except RunError as exc:
        preview.problem = Problem(str(exc), "Connect Procore in Office Integrations.")
        return preview
    options = TimeOptions.of(sync_settings_for(office))
    entries = list(
        TimeCardEntry.objects.filter(project__office=office, date__range=(start, end))
        .select_related("project", "employee", "sub_job", "cost_code", "time_type", "crew")
        .order_by("date", "project_id", "employee_id")
    )
    sent = _sent_ids(office, entries)
    wanted = [e for e in entries if e.deleted_at is None and e.status in options.statuses]
    gone = [
        e
        for e in entries
        if e.pk in sent and (e.deleted_at is not None or e.status == EntryStatus.REJECTED)
    ]
    if mode == DAILY_LOGS:
        gone = []  # a day is republished as a whole: no card is removed on its own
    preview.entries, preview.removals = len(wanted), len(gone)
    targets = Targets(office, connection, fresh=False)
    try:
        targets.load(wanted + gone)
        checks = [(e, entry_problems(targets, e, time_type=mode == TIMESHEETS)) for e in wanted]
        checks += [(e, removal_problems(targets, e)) for e in gone]
        preview.refused += [(e, *problems_text(p)) for e, p in checks if p]
    except ProcoreError as exc:
        preview.problem = Problem(exc.message, "Check the connection's health, then try again.")
    return preview


def _sent_ids(office: Office, entries: list[TimeCardEntry]) -> set[int]:
    return set(
        ExternalRef.objects.filter(
            office=office,
            procore_type=TIMECARD_ENTRY,
            content_type=entry_content_type(),
            object_id__in=[e.pk for e in entries],
            procore_id__isnull=False,
        ).values_list("object_id", flat=True)
    )
