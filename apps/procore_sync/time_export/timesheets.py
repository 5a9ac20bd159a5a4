"""The "time_export" flow: each time card as one Procore timecard entry, never twice.

Creates go through the v1.1 bulk create, BULK_SIZE per call (procore-api.md §9.1: one
transaction, all or none), each with origin_id "trestle-time-<entry id>" (a string there, §3.7).
The intent, an ExternalRef with that origin_id and no Procore id yet, is saved before the call:
after a lost answer, a crash or a refused batch the next attempt lists the project's entries for
those dates and links what landed instead of sending it again. A batch Procore refuses (422) is
resent entry by entry, so one bad card fails alone. An edit updates the same Procore entry by id
(the company endpoint, the only update that takes sub_job_id, crew_id and approval_status); a
rejected or deleted card's entry is deleted. Procore keeps a deleted record's origin_id unique in
the company, so a card sent again after a removal goes as "trestle-time-<id>-2", "-3", ...
A day the daily log's timecards still hold (before a switch of destination) is withdrawn from
there first, and not sent while it cannot be (switch.py).
The run plans its cards by id, then reads, checks and sends them a chunk at a time
(PROCORE_TIME_EXPORT_CHUNK_SIZE), recording each batch's items as it goes: memory stays flat in
the number of cards, and a chunk's failure ends only its own cards as failed items.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.core import present
from apps.offices.models import Office
from apps.timecards.models import EntryStatus, TimeCardEntry

from ..client import resources
from ..client.errors import NotFound, OutcomeUnknown, ProcoreError
from ..client.errors import ValidationError as ProcoreRejected
from ..client.http import ProcoreClient
from ..client.idempotent import by_origin_id
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem, SyncRun
from ..live import RunError, live_connection
from ..mapping.common import is_procore_id
from ..outbound import next_origin, procore_said, refs_save, with_ref
from ..runs import RunRecorder, sync_settings_for
from .options import DAILY_LOGS, TIMESHEETS, TimeOptions
from .preflight import (
    Problem,
    Targets,
    entry_fields,
    entry_problems,
    problems_text,
    removal_problems,
)
from .states import GONE, TIMECARD_ENTRY, current_print, entry_content_type
from .switch import Withdrawal

BULK_SIZE = 25  # the v1.1 bulk create takes at most 25 entries (OAS)
ORIGIN = "trestle-time-"
ENTITY = "time_card"  # the items of this flow, one per time card
RETRY_FIX = "Retry failed (or the next export) looks it up first, so it is never sent twice."
CREATE, UPDATE, REMOVE, SKIP = "create", "update", "remove", "skip"
CARD_RELATED = ("project", "employee", "sub_job", "cost_code", "time_type", "crew")
SEND_ORDER = ("project_id", "date", "pk")  # a project's cards together: full bulk creates


@dataclass
class Work:
    """What one time card needs: its link (an unsaved one for a first send) and the action."""

    entry: TimeCardEntry
    ref: ExternalRef
    action: str
    reason: str = ""

    @property
    def in_flight(self) -> bool:
        """A create was attempted and its outcome is unknown: look before sending again."""
        ref = self.ref
        return ref.procore_id is None and bool(ref.origin_id) and ref.state not in GONE


def time_export_flow(run: SyncRun, recorder: RunRecorder) -> None:
    """Plans every card by id, then reads and sends them a chunk at a time, so memory stays
    flat however many cards the run covers (only their ids and project days are held)."""
    options = TimeOptions.of(sync_settings_for(run.office))
    if options.mode != TIMESHEETS:
        raise RunError(
            "This office sends time to daily-log timecards, not timesheets: publish daily logs "
            "instead (or change the time mode in Settings > Procore)."
        )
    connection = live_connection(run.office)
    ids, days = outline(entries_for(run.office, run.params, options))
    withdraw = frozenset(run.params.get("withdraw_ids") or ())
    recorder.plan(ENTITY, ids)
    run.progress_total = len(ids)
    run.save(update_fields=["progress_total"])
    targets, client = Targets(run.office, connection), ProcoreClient(connection)
    exporter = Exporter(recorder, targets, client, options)
    withdrawal = Withdrawal(recorder, targets, client, run.office, DAILY_LOGS)
    blocked = withdrawal.clear(days)
    chunks = iter(ids)
    while chunk := list(islice(chunks, settings.PROCORE_TIME_EXPORT_CHUNK_SIZE)):
        exporter.chunk(plan(run.office, cards_of(chunk), options, withdraw=withdraw), blocked)
    exporter.flush()


# --- which time cards, and what each needs ---------------------------------------------------


def entries_for(office: Office, params: dict, options: TimeOptions) -> QuerySet[TimeCardEntry]:
    """By id (a signal, Retry failed), by date range (Export now), else every pending one."""
    entries = TimeCardEntry.objects.filter(project__office=office)
    if params.get("entry_ids") is not None:
        return entries.filter(pk__in=params["entry_ids"]).order_by(*SEND_ORDER)
    if params.get("start"):
        start, end = parse_date(params["start"]), parse_date(params.get("end") or params["start"])
        return entries.filter(date__range=(start, end)).order_by(*SEND_ORDER)
    return pending(entries, office, options).order_by(*SEND_ORDER)


def outline(entries: QuerySet[TimeCardEntry]) -> tuple[list[int], set[tuple[int, date]]]:
    """The cards' ids in send order (the run's plan) and their (project, day) pairs, streamed:
    no card is held, so the plan of a large export costs a few bytes per card."""
    ids, days = [], set()
    rows = entries.values_list("pk", "project_id", "date")
    for pk, project_pk, day in rows.iterator(chunk_size=settings.PROCORE_TIME_EXPORT_CHUNK_SIZE):
        ids.append(pk)
        days.add((project_pk, day))
    return ids, days


def cards_of(ids: list[int]) -> list[TimeCardEntry]:
    """One chunk of planned cards, with what their Procore fields need, in send order."""
    cards = TimeCardEntry.objects.filter(pk__in=ids).select_related(*CARD_RELATED)
    return list(cards.order_by(*SEND_ORDER))


def pending(entries: QuerySet, office: Office, options: TimeOptions) -> QuerySet:
    """Time cards whose Procore twin may not match them: never sent, changed since, failed,
    sent without an answer, or rejected/deleted with a twin still in Procore."""
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type=TIMECARD_ENTRY,
        content_type=entry_content_type(),
        object_id=OuterRef("pk"),
    )
    entries = with_ref(entries, refs)
    wanted = Q(status__in=options.statuses, deleted_at__isnull=True)
    changed = (
        Q(ref_synced__isnull=True)
        | Q(updated_at__gt=F("ref_synced"))
        | Q(deleted_at__gt=F("ref_synced"))
    )
    return entries.filter(
        (wanted & Q(ref_procore__isnull=True))  # never sent, removed earlier, or in flight
        | Q(ref_state=LinkState.FAILED)
        | (Q(ref_procore__isnull=True) & Q(ref_origin__gt="") & ~Q(ref_state__in=GONE))
        | (Q(ref_procore__isnull=False) & changed)
    )


def plan(
    office: Office,
    entries: list[TimeCardEntry],
    options: TimeOptions,
    withdraw: frozenset[int] = frozenset(),
) -> list[Work]:
    """What each card needs; cards in `withdraw` leave Procore while their status is not one
    that is sent (the Procore vs Trestle report's repair), rather than wait there for it."""
    content_type = entry_content_type()
    refs = {
        r.object_id: r
        for r in ExternalRef.objects.filter(
            office=office,
            procore_type=TIMECARD_ENTRY,
            content_type=content_type,
            object_id__in=[e.pk for e in entries],
        )
    }
    works = []
    for entry in entries:
        ref = refs.get(entry.pk) or ExternalRef(
            office=office,
            procore_type=TIMECARD_ENTRY,
            content_type=content_type,
            object_id=entry.pk,
            state=LinkState.OUT_OF_DATE,
        )
        works.append(Work(entry, ref, *_action(entry, ref, options, entry.pk in withdraw)))
    return works


def _action(
    entry: TimeCardEntry, ref: ExternalRef, options: TimeOptions, withdraw: bool = False
) -> tuple[str, str]:
    in_procore = ref.procore_id is not None
    maybe = in_procore or Work(entry, ref, SKIP).in_flight
    unsent = withdraw and entry.status not in options.statuses
    if entry.deleted_at is not None or entry.status == EntryStatus.REJECTED or unsent:
        if maybe:
            return REMOVE, ""
        return SKIP, "Not in Procore: nothing to remove."
    if entry.status not in options.statuses:
        waiting = f"Sent once it is {options.trigger}."
        if in_procore:
            waiting += " Procore keeps the figures sent last until then."
        return SKIP, waiting
    if not in_procore:
        return CREATE, ""
    if ref.state == LinkState.FAILED or ref.fingerprint != current_print(entry):
        return UPDATE, ""
    return SKIP, "Already in Procore, unchanged."


# --- sending ---------------------------------------------------------------------------------


@dataclass
class Exporter:
    recorder: RunRecorder
    targets: Targets
    client: ProcoreClient
    options: TimeOptions
    renumbered: set[int] = field(default_factory=set)  # cards given a new origin_id this run
    creates: list[Work] = field(default_factory=list)  # one project's, fewer than BULK_SIZE

    def chunk(self, works: list[Work], blocked: dict[tuple, Problem]) -> None:
        """One chunk of planned cards (in send order): skipped ones recorded, the rest sent."""
        works = [w for w in works if not self.held_back(w, blocked)]
        skipped = [w for w in works if w.action == SKIP]
        if skipped:
            items = [_item(w.entry, Outcome.SKIPPED, w.reason, ref=w.ref) for w in skipped]
            self.recorder.add(Counter(skipped=len(skipped)), items, done=len(skipped))
        todo = [w for w in works if w.action != SKIP]
        if not todo:
            return
        self.targets.load(w.entry for w in todo)
        by_project: dict[int, list[Work]] = defaultdict(list)
        for work in todo:
            by_project[work.entry.project_id].append(work)
        for works_of_project in by_project.values():
            self.project(works_of_project)

    def project(self, works: list[Work]) -> None:
        ready = [w for w in works if not self._refused(w)]
        self._adopt(ready)
        creates = [w for w in ready if w.action == CREATE]
        for work in [w for w in ready if w.action == REMOVE]:
            self._remove(work)
        for work in [w for w in ready if w.action == UPDATE]:
            if self._update(work):
                creates.append(work)  # gone from Procore: send it again
        for work in creates:
            self._queue_create(work)

    def _queue_create(self, work: Work) -> None:
        """Creates wait for a full bulk create, across chunks, so a project split over chunks
        takes no more calls than ceil(its creates / BULK_SIZE)."""
        if self.creates and self.creates[0].entry.project_id != work.entry.project_id:
            self.flush()
        self.creates.append(work)
        if len(self.creates) == BULK_SIZE:
            self.flush()

    def flush(self) -> None:
        """Sends the creates still waiting (the end of a project, or of the run)."""
        batch, self.creates = self.creates, []
        if batch:
            self._create(batch)

    def held_back(self, work: Work, blocked: dict[tuple, Problem]) -> bool:
        """A card of a day whose daily-log timecards could not be withdrawn is not sent (the
        hours would count twice); it fails with the reason, so Retry failed tries the day again."""
        problem = blocked.get((work.entry.project_id, work.entry.date))
        if problem is not None:
            self._fail([work], f"Not sent: {problem.message}", problem.fix)
        return problem is not None

    def _procore_project(self, work: Work) -> int:
        return self.targets.project_id(work.entry.project_id)

    def _refused(self, work: Work) -> bool:
        check = removal_problems if work.action == REMOVE else entry_problems
        problems = check(self.targets, work.entry)
        if not problems:
            return False
        message, fix = problems_text(problems)
        self._fail([work], message, fix)
        return True

    def _adopt(self, works: list[Work]) -> None:
        """Links the creates whose answer never came to what landed in Procore, if it did."""
        flying = [w for w in works if w.in_flight]
        if not flying:
            return
        try:
            found = self._lookup(self._procore_project(flying[0]), [w.entry.date for w in flying])
        except ProcoreError as exc:  # not knowing what landed, send nothing for these
            self._error(flying, exc)
            for work in flying:
                work.action = SKIP
            return
        for work in flying:
            record = found.get(work.ref.origin_id)
            if record is None:
                if work.action == REMOVE:  # it never landed: nothing to remove
                    work.action = SKIP
                    self._gone([work], "Not in Procore: nothing to remove.")
                continue
            sent_print = work.ref.fingerprint
            self._link(work, record["id"])
            if work.action == CREATE:
                work.action = UPDATE if sent_print != current_print(work.entry) else SKIP
                if work.action == SKIP:
                    self._done([work], Outcome.LINKED, "Found in Procore from an earlier send.")

    def _lookup(self, project_id: int, days: list[date]) -> dict[str, dict]:
        """Our entries of the project on those days, by origin_id (one listing)."""
        params = {"start_date": min(days).isoformat(), "end_date": max(days).isoformat()}
        listed = resources.timecard_entries(self.client, project_id=project_id, params=params)
        return by_origin_id(listed, ORIGIN)

    # -- the three writes ------------------------------------------------------------------

    def _create(self, batch: list[Work]) -> None:
        for work in batch:
            work.ref.origin_id = next_origin(work.ref, ORIGIN)
            work.ref.procore_id, work.ref.state, work.ref.error = None, LinkState.OUT_OF_DATE, ""
            work.ref.fingerprint = current_print(work.entry)
        refs_save([w.ref for w in batch])  # the intent, before anything leaves
        project_id = self._procore_project(batch[0])
        bodies = [self._body(w) for w in batch]
        try:
            created = resources.timecard_entries_bulk_create(
                self.client, project_id=project_id, entries=bodies
            )
        except ProcoreRejected as exc:
            self._rejected(batch, exc)
            return
        except OutcomeUnknown as exc:
            self._unknown(batch, exc)
            return
        except ProcoreError as exc:
            self._error(batch, exc)
            return
        by_origin = {
            r["origin_id"]: r
            for r in created
            if isinstance(r, dict) and isinstance(r.get("origin_id"), str)
        }
        landed = [w for w in batch if is_procore_id(by_origin.get(w.ref.origin_id, {}).get("id"))]
        for work in landed:
            self._link(work, by_origin[work.ref.origin_id]["id"])
        self._done(landed, Outcome.CREATED, "Sent to Procore.")
        missing = [w for w in batch if w not in landed]
        if missing:
            self._fail(missing, "Procore's answer did not list this entry.", RETRY_FIX)

    def _body(self, work: Work) -> dict:
        fields = entry_fields(self.targets, work.entry, approved=self._approved(work))
        origin_data = f"Trestle time card {work.entry.pk}"
        return {**fields, "origin_id": work.ref.origin_id, "origin_data": origin_data}

    def _approved(self, work: Work) -> bool:
        return work.entry.status == EntryStatus.APPROVED

    def _rejected(self, batch: list[Work], exc: ProcoreRejected) -> None:
        if len(batch) > 1:  # find the card Procore refuses; the others go through
            for work in batch:
                self._create([work])
            return
        work = batch[0]
        if "origin_id" in (exc.detail or "") and work.entry.pk not in self.renumbered:
            # taken: it landed earlier, or a deleted entry still holds it
            try:
                found = self._lookup(self._procore_project(work), [work.entry.date])
            except ProcoreError as exc:  # not knowing which, renumber nothing
                self._error(batch, exc)
                return
            if work.ref.origin_id in found:
                self._link(work, found[work.ref.origin_id]["id"])
                self._done(batch, Outcome.LINKED, "Found in Procore from an earlier send.")
                return
            self.renumbered.add(work.entry.pk)
            work.ref.state = LinkState.ORPHANED  # next_origin numbers the next one
            self._create(batch)
            return
        self._fail(
            batch, procore_said(exc), "Correct the time card (or the mapping), then export again."
        )

    def _unknown(self, batch: list[Work], exc: OutcomeUnknown) -> None:
        """The bulk create may or may not have landed: look, and link what did."""
        try:
            found = self._lookup(self._procore_project(batch[0]), [w.entry.date for w in batch])
        except ProcoreError:
            found = {}
        landed = [w for w in batch if w.ref.origin_id in found]
        for work in landed:
            self._link(work, found[work.ref.origin_id]["id"])
        self._done(landed, Outcome.CREATED, "Sent to Procore (confirmed by a look-up).")
        rest = [w for w in batch if w not in landed]
        if rest:
            self._fail(rest, exc.message, RETRY_FIX)

    def _update(self, work: Work) -> bool:
        """True when the Procore entry is gone and the card must be created again."""
        fields = entry_fields(self.targets, work.entry, approved=self._approved(work))
        fields.pop("work_classification_id")  # not a field of the update (procore-api.md §9.1)
        try:
            resources.timecard_entry_update(
                self.client,
                work.ref.procore_id,
                company_id=self.targets.connection.company_id,
                project_id=self._procore_project(work),
                entry=fields,
            )
        except NotFound:
            work.ref.procore_id, work.ref.state = None, LinkState.ORPHANED
            return True
        except ProcoreRejected as exc:
            self._fail([work], procore_said(exc), "Correct the time card, then export again.")
            return False
        except ProcoreError as exc:
            self._error([work], exc)
            return False
        work.ref.fingerprint, work.ref.state = current_print(work.entry), LinkState.SYNCED
        self._done([work], Outcome.UPDATED, "Updated in Procore.")
        return False

    def _remove(self, work: Work) -> None:
        try:
            resources.timecard_entry_delete(
                self.client, work.ref.procore_id, project_id=self._procore_project(work)
            )
        except NotFound:
            pass  # already gone (deleted in Procore, or our earlier delete's answer was lost)
        except ProcoreRejected as exc:
            self._fail([work], procore_said(exc), "It stays in Procore until this is resolved.")
            return
        except ProcoreError as exc:
            self._error([work], exc)
            return
        self._gone([work], f"Removed from Procore ({self._why_removed(work.entry)}).")

    def _why_removed(self, entry: TimeCardEntry) -> str:
        if entry.deleted_at:
            return "the time card was deleted"
        if entry.status == EntryStatus.REJECTED:
            return "the time card was rejected"
        return f"withdrawn until the time card is {self.options.trigger} again"

    # -- outcomes --------------------------------------------------------------------------

    def _link(self, work: Work, procore_id: int) -> None:
        work.ref.procore_id, work.ref.state, work.ref.error = procore_id, LinkState.SYNCED, ""

    def _done(self, works: list[Work], outcome: str, message: str) -> None:
        if not works:
            return
        now = timezone.now()
        for work in works:
            work.ref.state, work.ref.error, work.ref.synced_at = LinkState.SYNCED, "", now
        self._record(works, outcome, message)

    def _gone(self, works: list[Work], message: str) -> None:
        now = timezone.now()
        for work in works:
            work.ref.procore_id, work.ref.state = None, LinkState.ORPHANED
            work.ref.error, work.ref.synced_at = "", now
        self._record(works, Outcome.DEACTIVATED, message)

    def _fail(self, works: list[Work], message: str, fix: str) -> None:
        for work in works:
            work.ref.state, work.ref.error = LinkState.FAILED, f"{message} {fix}".strip()
        self._record(works, Outcome.FAILED, message, fix)

    def _error(self, works: list[Work], exc: ProcoreError) -> None:
        if exc.status in (401, 403):
            raise exc  # the connection or its permissions: the run stops with the reason
        self._fail(works, procore_said(exc), RETRY_FIX)

    def _record(self, works: list[Work], outcome: str, message: str, fix: str = "") -> None:
        refs_save([w.ref for w in works])
        items = [_item(w.entry, outcome, message, ref=w.ref, fix=fix) for w in works]
        self.recorder.add(Counter({outcome: len(works)}), items, done=len(works))


def entry_label(entry: TimeCardEntry) -> str:
    return (
        f"{entry.employee} · {present.day(entry.date)} · {entry.hours} h · {entry.project.number}"
    )


def _item(
    entry: TimeCardEntry, outcome: str, message: str, *, ref: ExternalRef, fix: str = ""
) -> SyncItem:
    return SyncItem(
        entity=ENTITY,
        direction="out",
        object_id=entry.pk,
        procore_id=ref.procore_id,
        label=entry_label(entry)[:200],
        outcome=outcome,
        message=message,
        fix=fix,
    )
