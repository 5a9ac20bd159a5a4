"""Runs a SyncRun: takes the office's lease for the flow, does the work, records the outcome.

Flows: "entities" here; the change-order, time ("time_export", "daily_logs") and AP flows
register theirs in `FLOWS`.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime

from .ap_import.flow import ap_import_flow
from .ap_payments.writeback import ap_payments_flow
from .client.errors import ProcoreError
from .cor_push.push import cor_push_flow
from .cor_push.statuses import statuses_flow
from .engine_models import Direction, RunStatus, SyncRun
from .entities import ENTITIES, Entity
from .exporters.entities import export_entity
from .importers.context import SyncContext, run_context
from .importers.custom_fields import custom_fields_refresh
from .importers.fetch import FETCHERS
from .importers.scope import covered_key, list_unchanged
from .importers.upsert import ImportOptions, import_batch_seen, orphans_deactivate
from .live import RunError
from .reconcile.flow import reconcile_flow
from .runs import RunRecorder, lease_kept, run_acquire, run_skip, run_wait, sync_settings_for
from .time_export.daily_logs import daily_logs_flow
from .time_export.timesheets import time_export_flow
from .webhook_flow.flow import webhook_flow
from .work import KIND

logger = logging.getLogger(__name__)

# Re-read a little of what the last run saw: clocks differ and a write may land mid-run.
CURSOR_OVERLAP = timedelta(minutes=2)
# A push carries its own choices, so it waits its turn instead of folding into another run; a
# webhook run waits too, so the changes that arrive meanwhile are claimed when its turn comes.
WAIT_WHEN_BUSY = {"cor_push", "webhook"}
# An "Export now" of a date range waits too: the catch-up a busy run leaves behind covers only
# what changed lately. Time cards named by a signal fold into that catch-up instead.
WAIT_WHEN_BUSY_WITH_RANGE = {"time_export", "daily_logs"}
BUSY = "Another run of this flow is in progress for this office; its work covers this request."
RETRY_FIX = "Retry failed sends what was not done; what went through is not sent twice."


def run_execute(run_id: int) -> SyncRun | None:
    """Run a queued run to its end. Whatever stops a flow, Procore's error or ours, ends every
    unit it had not done as a failed item with the reason, and the run as failed."""
    run = SyncRun.objects.select_related("office").filter(pk=run_id).first()
    if run is None or run.is_finished:
        return run
    if not run_acquire(run):
        run.refresh_from_db(fields=["status"])
        if run.status != RunStatus.QUEUED:
            return run  # ended, or running elsewhere: this message has nothing to do
        if _waits(run):
            run_wait(run)  # the run now holding the lease hands this one on when it ends
        else:
            request_rerun(run)
            run_skip(run, BUSY)
        return run
    recorder = RunRecorder(run)
    with lease_kept(run):
        try:
            FLOWS[run.flow](run, recorder)
        except Exception as exc:  # every failure ends on the run, not only in a log
            reason = _reason(run, exc)
            recorder.fail_undone(reason, RETRY_FIX)
            return recorder.finish(error=reason)
    return recorder.finish()


def _reason(run: SyncRun, exc: Exception) -> str:
    """What stopped the run, in words a person can act on."""
    if isinstance(exc, RunError):
        return str(exc)
    if isinstance(exc, ProcoreError):
        return exc.message
    logger.exception("run %s (%s) stopped on an unexpected error", run.pk, run.flow)
    return (
        f"Trestle stopped this run on an unexpected error ({type(exc).__name__}); it is logged "
        "for the developers."
    )


def _waits(run: SyncRun) -> bool:
    """A full re-read waits too: the incremental run in progress does not do its work."""
    params = run.params or {}
    return (
        run.flow in WAIT_WHEN_BUSY
        or (run.flow in WAIT_WHEN_BUSY_WITH_RANGE and "start" in params)
        or bool(params.get("full"))
    )


def request_rerun(run: SyncRun) -> None:
    """Remember that a run was wanted while another ran, so a follow-up run picks it up."""
    settings = sync_settings_for(run.office)
    if run.flow not in settings.rerun_requested:
        settings.rerun_requested = [*settings.rerun_requested, run.flow]
        settings.save(update_fields=["rerun_requested"])


def entities_of(run: SyncRun, settings) -> list[Entity]:
    """The entities this run covers: asked for, not switched off, and configured."""
    wanted = set(run.params.get("entities") or ENTITIES)
    if settings.cost_code_list_id is None:
        wanted.discard("cost_codes")  # no company cost code list chosen yet
    return [
        e for e in ENTITIES.values() if e.name in wanted and settings.direction(e.name) != "off"
    ]


def _cursor(settings, key: str, full: bool) -> datetime | None:
    value = None if full else settings.cursors.get(key)
    return parse_datetime(value) - CURSOR_OVERLAP if value else None


def entities_flow(run: SyncRun, recorder: RunRecorder) -> None:
    ctx = run_context(run)
    full = bool(run.params.get("full"))
    entities = entities_of(run, ctx.settings)
    recorder.plan(KIND, [e.name for e in entities])
    if any("custom_fields" in e.fields for e in entities):
        ctx.cache["custom_fields"] = custom_fields_refresh(ctx)
    run.progress_total = len(entities)
    run.save(update_fields=["progress_total"])
    for entity in entities:
        direction = ctx.settings.direction(entity.name)
        auto = ctx.settings.auto_import.get(entity.name, True)
        if direction in (Direction.IN, Direction.BOTH):
            _import(ctx, entity, recorder, full, auto, direction == Direction.BOTH)
        if direction in (Direction.OUT, Direction.BOTH) and entity.exportable:
            _export(ctx, entity, recorder, full, auto)
        recorder.unit_done(entity.name)
        recorder.add({}, [], done=1)


def _import(ctx, entity, recorder, full, auto, two_way) -> None:
    if not full and list_unchanged(ctx, entity.name):
        return  # Procore announced no change to the list since its last read (scope.py)
    since = _cursor(ctx.settings, entity.name, full or not entity.incremental)
    options = ImportOptions(
        office=ctx.office,
        auto_import=auto,
        two_way=two_way,
        custom_fields=ctx.cache.get("custom_fields", {}),
    )
    seen: set[int] = set()
    failed = unreadable = False
    for batch in FETCHERS[entity.name](ctx, since):
        counts, items, ids = import_batch_seen(entity, batch, options)
        seen |= ids
        failed = failed or bool(counts.get("failed"))
        unreadable = unreadable or any(i.outcome == "failed" and not i.procore_id for i in items)
        recorder.add(counts, items)
    ctx.cache[f"seen:{entity.name}"] = seen  # the projects seen tell whose sub-jobs to read
    if since is None and not unreadable:  # a full pull saw all Procore has: the rest is gone
        # under a parent, only in the projects read whole, even those that now hold nothing
        parents = ctx.cache.get("read_whole", {}).get(entity.name, set())
        counts, items = orphans_deactivate(
            entity, ctx.office, seen, parents if entity.parent_field else None
        )
        recorder.add(counts, items)
    if not failed:  # a record that failed is read again by the next run, not skipped by it
        _save_cursor(ctx, entity.name)


def _export(ctx, entity, recorder, full, auto) -> None:
    key = f"out:{entity.name}"
    for counts, items in export_entity(ctx, entity, _cursor(ctx.settings, key, full), auto):
        recorder.add(counts, items)
    _save_cursor(ctx, key)


def _save_cursor(ctx: SyncContext, key: str) -> None:
    """The cursor, and what the read covered (projects, the cost code list) if it says so."""
    cursors = {**ctx.settings.cursors, key: ctx.started_at.isoformat()}
    if key in ctx.cache.get("covered", {}):
        cursors[covered_key(key)] = ctx.cache["covered"][key]
    ctx.settings.cursors = cursors
    ctx.settings.save(update_fields=["cursors"])


FLOWS: dict[str, Callable[[SyncRun, RunRecorder], None]] = {
    "entities": entities_flow,
    "cor_push": cor_push_flow,
    "change_event_statuses": statuses_flow,
    "time_export": time_export_flow,
    "daily_logs": daily_logs_flow,
    "ap_import": ap_import_flow,
    "ap_payments": ap_payments_flow,
    "reconcile": reconcile_flow,
    "webhook": webhook_flow,
}
