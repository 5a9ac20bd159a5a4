"""Where an office's time is in Procore, and moving it when the office changes that (issue 16).

Timesheet entries (one per time card, origin_id "trestle-time-<id>") and daily-log timecards (a
person's day summed, "trestle-dl-<project>-<day>-...") are both timecard entries in Procore: hours
in both count twice. So a day's time is moved, never copied. Before a flow writes a day's time it
withdraws what the other destination holds for that day (`Withdrawal`); a day it cannot clear is
not written, and its items fail with Procore's reason so Retry failed tries again. Until then
Procore may hold less of that day than Trestle, never more.

Changing the destination in the settings is checked first (`switch_refusal`): Procore refuses to
delete a timecard entry on a day closed by an approved timesheet, so the switch is refused while
such a day holds any of our entries, naming the days and the fix. Otherwise the setting changes
and one run of the new destination (`switch_queue`) withdraws every day the old one holds and
publishes the same approved hours there. Manpower and quantity logs go to the daily log with
either destination and are not moved.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.core import present
from apps.offices.models import Office
from apps.projects.models import Project
from apps.timecards.models import TimeCardEntry

from ..client import resources
from ..client.errors import MalformedAnswer, NotFound, ProcoreError
from ..client.http import ProcoreClient
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem, SyncRun, Trigger
from ..live import RunError, live_connection
from ..mapping.common import is_procore_id
from ..outbound import GONE, procore_said, refs_save
from ..runs import RunRecorder, run_queue, sync_settings_for
from ..time_models import DailyLogKind, DailyLogPublish
from .options import DAILY_LOG_FLOW, DAILY_LOGS, MODES, TIME_FLOW, TIMESHEETS, TimeOptions
from .preflight import Problem, Targets, closed_problem, where_problems
from .states import DAILY_LOG_TIMECARD, TIMECARD_ENTRY, entry_content_type

Day = tuple[int, date]  # (Trestle project pk, the project's local date)
TIMECARDS = DailyLogKind.TIMECARDS.value
WITHDRAWN = hashlib.sha256(b"[]").hexdigest()  # daily_logs.fingerprint([]): a day with nothing
NEVER_LANDED = "Not in Procore timesheets (its send never landed): nothing to withdraw."
AGAIN = "Retry failed withdraws it again; the day is written only once it is clear."
WITHDRAWN_TEXT = {
    TIMESHEETS: "Withdrawn from Procore timesheets: the office now sends time to daily-log "
    "timecards.",
    DAILY_LOGS: "Withdrawn from the daily log's timecards: the office now sends time to Procore "
    "timesheets.",
}


def daily_log_prefix(project_pk: int, day: date) -> str:
    """The origin_id prefix of our daily-log timecards of a project day."""
    return f"trestle-dl-{project_pk}-{day:%Y%m%d}-"


def mode_label(mode: str) -> str:
    return dict(MODES)[mode]


def destination_label(office: Office) -> str:
    """Where the office's time goes, in the settings' words."""
    return mode_label(TimeOptions.of(sync_settings_for(office)).mode)


# --- what each destination holds ------------------------------------------------------------


def _timesheet_refs(office: Office, *, maybe: bool) -> QuerySet[ExternalRef]:
    """Links of time cards sent as timesheet entries; `maybe` adds creates whose answer never
    came (they may have landed)."""
    held = Q(procore_id__isnull=False)
    if maybe:
        held |= Q(origin_id__gt="") & ~Q(state__in=GONE)
    return ExternalRef.objects.filter(
        held, office=office, procore_type=TIMECARD_ENTRY, content_type=entry_content_type()
    )


def _daily_log_publishes(office: Office, *, maybe: bool) -> QuerySet[DailyLogPublish]:
    """Days published as daily-log timecards; `maybe` adds days whose last publish failed."""
    held = ~Q(procore_ids={})
    if maybe:
        held |= Q(fingerprint="")
    return DailyLogPublish.objects.filter(held, office=office, kind=TIMECARDS)


def held_days(office: Office, mode: str, *, maybe: bool = False) -> dict[Day, int]:
    """{(project, day): our timecard entries there} that destination `mode` holds in Procore."""
    if mode == TIMESHEETS:
        refs = _timesheet_refs(office, maybe=maybe).values("object_id")
        cards = TimeCardEntry.objects.filter(project__office=office, pk__in=refs)
        return dict(Counter(cards.values_list("project_id", "date")))
    publishes = _daily_log_publishes(office, maybe=maybe)
    return {(p.project_id, p.date): len(p.procore_ids) for p in publishes}


@dataclass
class SwitchPreview:
    """What the settings page says about changing where time goes, before anything is saved."""

    mode: str
    other: str
    entries: int = 0  # our timecard entries the current destination holds
    days: int = 0
    blocked: list[tuple[Project, date, Problem]] = field(default_factory=list)
    leftover: int = 0  # entries the other destination still holds (an unfinished switch)
    problem: str = ""  # Procore could not be asked

    @property
    def mode_label(self) -> str:
        return mode_label(self.mode)

    @property
    def other_label(self) -> str:
        return mode_label(self.other)


def switch_preview(office: Office, mode: str) -> SwitchPreview:
    """What leaving `mode` would withdraw, and the days that refuse it (asked of Procore afresh:
    a day may have been closed a moment ago)."""
    other = DAILY_LOGS if mode == TIMESHEETS else TIMESHEETS
    held = held_days(office, mode)
    preview = SwitchPreview(mode, other, sum(held.values()), len(held))
    preview.leftover = sum(held_days(office, other).values())
    if not held:
        return preview
    try:
        targets = Targets(office, live_connection(office))
        targets.load([], projects={p for p, _ in held})
        projects = Project.objects.in_bulk({p for p, _ in held})
        for project_pk, day in sorted(held, key=lambda d: (d[1], d[0])):
            if problem := _blocker(targets, projects[project_pk], day, unmapped_ok=True):
                preview.blocked.append((projects[project_pk], day, problem))
    except (RunError, ProcoreError) as exc:
        preview.problem = exc.message if isinstance(exc, ProcoreError) else str(exc)
    return preview


def switch_refusal(office: Office, mode: str) -> str:
    """Why time cannot leave `mode` now ("" when it can), asked of Procore afresh."""
    preview = switch_preview(office, mode)
    if preview.problem:
        return (
            f"Procore could not be asked whether the {preview.entries} timecard entries in "
            f"{preview.mode_label} can be withdrawn ({preview.problem}). Nothing was saved; "
            "try again."
        )
    if not preview.blocked:
        return ""
    days = "; ".join(f"{p.number} {present.day(d)}: {x.message}" for p, d, x in preview.blocked)
    return (
        f"Time cannot move to {preview.other_label} yet: Procore refuses to withdraw what "
        f"{preview.mode_label} hold on these days ({days}) and the hours would count twice. "
        f"{preview.blocked[0][2].fix} Nothing was saved."
    )


def switch_queue(
    *, office: Office, old: str, user: User | None, enqueue: Callable[[int], None]
) -> SyncRun | None:
    """One run of the new destination over every day `old` holds: it withdraws, then publishes
    the same approved hours. None when `old` holds nothing."""
    days = sorted(held_days(office, old, maybe=True))
    if not days:
        return None
    if old == TIMESHEETS:
        flow = DAILY_LOG_FLOW
        params = {"days": [[p, d.isoformat()] for p, d in days], "kinds": [TIMECARDS]}
    else:
        cards = _cards_of(office, set(days)).order_by("pk")
        flow, params = TIME_FLOW, {"entry_ids": list(cards.values_list("pk", flat=True))}
    params["switched_from"] = old
    return run_queue(
        office=office, flow=flow, trigger=Trigger.USER, user=user, params=params, enqueue=enqueue
    )


def _blocker(
    targets: Targets, project: Project, day: date, *, unmapped_ok: bool = False
) -> Problem | None:
    """Why what Procore holds on that day cannot be deleted. An unmapped project is left as it
    is (`unmapped_ok`): no flow writes there until it is mapped again, and then it is cleared."""
    catalog, problems = where_problems(targets, project)
    if catalog is None:
        unmapped = targets.project_id(project.pk) is None
        return None if unmapped and unmapped_ok else problems[0]
    return closed_problem(catalog, day)


# --- withdrawing, inside a run --------------------------------------------------------------


@dataclass
class Withdrawal:
    """Clears project days of what destination `mode` holds, before the other one writes them."""

    recorder: RunRecorder
    targets: Targets
    client: ProcoreClient
    office: Office
    mode: str

    def clear(self, days: Iterable[Day]) -> dict[Day, Problem]:
        """The days that could not be cleared, with why: nothing may be written there."""
        days = set(days)
        if not days:
            return {}
        if self.mode == TIMESHEETS:
            return self._timesheets(days)
        return self._daily_logs(days)

    def _problem(self, project: Project, day: date) -> Problem | None:
        self.targets.load([], projects=[project.pk])
        return _blocker(self.targets, project, day)

    @property
    def _done(self) -> Problem:
        return Problem(WITHDRAWN_TEXT[self.mode], "")

    def _record(self, items: list[SyncItem]) -> None:
        self.recorder.add(Counter(i.outcome for i in items), items)

    # -- timesheet entries, one per time card ----------------------------------------------

    def _timesheets(self, days: set[Day]) -> dict[Day, Problem]:
        refs = {
            r.object_id: r
            for r in _timesheet_refs(self.office, maybe=True).filter(
                object_id__in=_cards_of(self.office, days).values("pk")
            )
        }
        cards = TimeCardEntry.objects.filter(pk__in=refs).select_related("project", "employee")
        by_day: dict[Day, list[TimeCardEntry]] = defaultdict(list)
        for card in cards.order_by("pk"):
            by_day[card.project_id, card.date].append(card)
        blocked = {}
        for (project_pk, day), group in sorted(by_day.items(), key=lambda x: (x[0][1], x[0][0])):
            try:
                if problem := self._problem(group[0].project, day):
                    self._record([_card_item(c, Outcome.FAILED, problem, None) for c in group])
                else:
                    problem = self._delete_entries(group, refs)
            except ProcoreError as exc:
                if exc.status in (401, 403):
                    raise
                problem = Problem(procore_said(exc), AGAIN)
                self._record([_card_item(c, Outcome.FAILED, problem, None) for c in group])
            if problem:
                blocked[project_pk, day] = problem
        return blocked

    def _delete_entries(self, cards: list[TimeCardEntry], refs: dict) -> Problem | None:
        project_id = self.targets.project_id(cards[0].project_id)
        landed = self._landed(project_id, cards[0].date, [refs[c.pk] for c in cards])
        items, failed, now = [], None, timezone.now()
        for card in cards:
            ref = refs[card.pk]
            procore_id = ref.procore_id or landed.get(ref.origin_id)
            outcome, said = Outcome.DEACTIVATED, self._done
            try:
                if procore_id:
                    resources.timecard_entry_delete(self.client, procore_id, project_id=project_id)
                else:  # a create whose answer never came, and it never landed
                    outcome, said = Outcome.SKIPPED, Problem(NEVER_LANDED, "")
            except NotFound:
                pass  # already gone
            except ProcoreError as exc:
                if exc.status in (401, 403):
                    raise
                ref.procore_id, failed = procore_id, Problem(procore_said(exc), AGAIN)
                items.append(_card_item(card, Outcome.FAILED, failed, procore_id))
                continue
            ref.procore_id, ref.state, ref.error, ref.synced_at = None, LinkState.ORPHANED, "", now
            items.append(_card_item(card, outcome, said, procore_id))
        refs_save([refs[c.pk] for c in cards])
        self._record(items)
        return failed

    def _landed(self, project_id: int, day: date, refs: list[ExternalRef]) -> dict[str, int]:
        """Creates whose answer never came, found by origin_id in the day's listing."""
        if all(r.procore_id for r in refs):
            return {}
        params = {"start_date": day.isoformat(), "end_date": day.isoformat()}
        listed = resources.timecard_entries(self.client, project_id=project_id, params=params)
        return {
            r["origin_id"]: r["id"]
            for r in listed
            if isinstance(r, dict)
            and isinstance(r.get("origin_id"), str)
            and is_procore_id(r.get("id"))
        }

    # -- daily-log timecards, per project day ----------------------------------------------

    def _daily_logs(self, days: set[Day]) -> dict[Day, Problem]:
        publishes = [
            p
            for p in _daily_log_publishes(self.office, maybe=True)
            .filter(project_id__in={d[0] for d in days}, date__in={d[1] for d in days})
            .select_related("project")
            if (p.project_id, p.date) in days
        ]
        blocked = {}
        for publish in sorted(publishes, key=lambda p: (p.date, p.project_id)):
            label = f"{publish.project.number} {present.day(publish.date)} daily-log timecards"
            try:
                if problem := self._problem(publish.project, publish.date):
                    self._record([_item("daily_log_timecard", label, Outcome.FAILED, problem)])
                else:
                    problem = self._delete_day(publish)
            except ProcoreError as exc:
                if exc.status in (401, 403):
                    raise
                problem = Problem(procore_said(exc), AGAIN)
                self._record([_item("daily_log_timecard", label, Outcome.FAILED, problem)])
            if problem:
                blocked[publish.project_id, publish.date] = problem
        return blocked

    def _delete_day(self, publish: DailyLogPublish) -> Problem | None:
        project_id = self.targets.project_id(publish.project_id)
        known = set(publish.procore_ids.values())
        prefix = daily_log_prefix(publish.project_id, publish.date)
        params = {"log_date": publish.date.isoformat()}
        ours = []
        listed = resources.timecard_entries(self.client, project_id=project_id, params=params)
        for record in (r for r in listed if isinstance(r, dict)):
            origin = record.get("origin_id")
            if record.get("id") in known or (isinstance(origin, str) and origin.startswith(prefix)):
                if not is_procore_id(record.get("id")):
                    raise MalformedAnswer(
                        f"A timecard of the day has no readable id: {record['id']!r}."
                    )
                ours.append(record)
        items, kept, failed = [], set(), None
        for record in ours:
            hours = record.get("hours")
            label = f"{publish.project.number} {present.day(publish.date)} timecard · {hours} h"
            outcome, said = Outcome.DEACTIVATED, self._done
            try:
                resources.timecard_entry_delete(self.client, record["id"], project_id=project_id)
            except NotFound:
                pass
            except ProcoreError as exc:
                if exc.status in (401, 403):
                    raise
                kept.add(record["id"])
                outcome, said = Outcome.FAILED, Problem(procore_said(exc), AGAIN)
                failed = said
            items.append(_item("daily_log_timecard", label, outcome, said, record["id"]))
        self._record(items)
        publish.procore_ids = {k: v for k, v in publish.procore_ids.items() if v in kept}
        publish.fingerprint = "" if kept else WITHDRAWN
        publish.published_at = timezone.now()
        publish.save(update_fields=["procore_ids", "fingerprint", "published_at"])
        if failed:
            return failed
        ExternalRef.objects.filter(
            office=self.office,
            procore_type=DAILY_LOG_TIMECARD,
            content_type=entry_content_type(),
            object_id__in=_cards_of(self.office, {(publish.project_id, publish.date)}).values("pk"),
        ).update(state=LinkState.ORPHANED, error="", synced_at=timezone.now())
        return None


def _cards_of(office: Office, days: set[Day]) -> QuerySet[TimeCardEntry]:
    where = Q()
    for project_pk, day in days:
        where |= Q(project_id=project_pk, date=day)
    return TimeCardEntry.objects.filter(where, project__office=office)


def _item(
    entity: str, label: str, outcome: str, said: Problem, procore_id: int | None = None, **extra
) -> SyncItem:
    return SyncItem(
        entity=entity,
        direction="out",
        procore_id=procore_id,
        label=label[:200],
        outcome=outcome,
        message=said.message,
        fix=said.fix,
        **extra,
    )


def _card_item(
    card: TimeCardEntry, outcome: str, said: Problem, procore_id: int | None
) -> SyncItem:
    label = f"{card.employee} · {present.day(card.date)} · {card.hours} h · {card.project.number}"
    return _item("time_card", label, outcome, said, procore_id, object_id=card.pk)
