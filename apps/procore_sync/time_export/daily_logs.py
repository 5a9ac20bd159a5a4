"""The "daily_logs" flow: what the crews did on a project day, published to Procore's Daily Log.

Per project and day, by kind (procore-api.md §9.3):
- timecards: daily-log timecard entries, one per employee, crew, sub-job, cost code and billable
  flag, the day's hours of those time cards summed (their time types are not kept apart);
- manpower: per crew and cost code, `num_workers` and `num_hours` (hours per worker). Procore
  multiplies the two, so workers with different hours go on separate rows: the man-hours are
  then exactly Trestle's hours;
- quantities: per cost code and unit, summed. Procore's quantity is a whole number: a day whose
  sum is not whole is refused (with the fix) rather than rounded.

Re-publishing replaces a day's figures: before writing, Procore's logs of that day are read and
ours recognised: timecards by origin_id "trestle-dl-<project>-<yyyymmdd>-<row key>~<stamp>",
manpower and quantity logs (which have no origin_id) by their id in DailyLogPublish.procore_ids
or by the "[Trestle <row key>]" tag that ends their notes or description. Each row is updated in
place when it differs, created when missing; ours no longer wanted (and duplicates) are deleted.
A day whose figures did not change since its last publish (same fingerprint) is left alone.
Before a day's timecards are written, the timesheet entries of its cards are withdrawn (after a
switch of destination, switch.py); a day that keeps them is not published, so no hour counts twice.
"""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.core import present
from apps.offices.models import Office
from apps.projects.models import Project
from apps.timecards.models import EntryStatus, ProductionQuantity, TimeCardEntry

from ..client import resources
from ..client.errors import MalformedAnswer, NotFound, OutcomeUnknown, ProcoreError
from ..client.errors import ValidationError as ProcoreRejected
from ..client.http import ProcoreClient
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem, SyncRun
from ..live import live_connection
from ..mapping.common import is_procore_id
from ..runs import RunRecorder, sync_settings_for
from ..time_models import DailyLogKind, DailyLogPublish
from .options import DAILY_LOGS, TIMESHEETS, TimeOptions
from .preflight import (
    LINK_EMPLOYEE,
    Problem,
    Targets,
    closed_problem,
    cost_code_problems,
    hours_text,
    problems_text,
    where_problems,
)
from .states import DAILY_LOG_TIMECARD, current_print, entry_content_type
from .switch import Withdrawal, daily_log_prefix
from .timesheets import BULK_SIZE, RETRY_FIX

TIMECARDS, MANPOWER, QUANTITIES = (k.value for k in DailyLogKind)
KINDS = (TIMECARDS, MANPOWER, QUANTITIES)
SWEEP_WINDOW = timedelta(days=35)  # a scheduled pass looks at cards changed this recently
TAG = re.compile(r"\[Trestle ([^\]]+)\]\s*$")
ENTITY = {TIMECARDS: "daily_log_timecard", MANPOWER: "manpower_log", QUANTITIES: "quantity_log"}
TEXT_FIELD = {MANPOWER: "notes", QUANTITIES: "description"}
Day = tuple[int, date]  # (Trestle project pk, the project's local date)


@dataclass
class Row:
    """One Procore log we want for a day: its key, what it says, and which time cards it sums."""

    key: str
    label: str
    values: dict  # Trestle-side values; the fingerprint is made of them
    entries: list[TimeCardEntry] = field(default_factory=list)
    quantities: list[ProductionQuantity] = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # the Procore fields, once resolved
    problems: list[Problem] = field(default_factory=list)


def daily_logs_flow(run: SyncRun, recorder: RunRecorder) -> None:
    options = TimeOptions.of(sync_settings_for(run.office))
    kinds = [k for k in run.params.get("kinds") or options.daily_log_kinds if k in KINDS]
    if options.mode != DAILY_LOGS and TIMECARDS in kinds:
        kinds.remove(TIMECARDS)  # time goes to timesheets: never count the hours twice
    if not kinds:
        return
    connection = live_connection(run.office)
    days = sorted(days_for(run.office, run.params, options, kinds))
    run.progress_total = len(days) * len(kinds)
    run.save(update_fields=["progress_total"])
    wanted = rows_for(run.office, days, options, kinds)
    publisher = Publisher(
        recorder, Targets(run.office, connection), ProcoreClient(connection), run.office
    )
    blocked = {}
    if TIMECARDS in kinds:  # a day's hours in timesheets too would count twice
        withdrawal = Withdrawal(
            recorder, publisher.targets, publisher.client, run.office, TIMESHEETS
        )
        blocked = withdrawal.clear(days)
    publishes = {
        (p.project_id, p.date, p.kind): p
        for p in DailyLogPublish.objects.filter(
            office=run.office, project_id__in={d[0] for d in days}, date__in={d[1] for d in days}
        )
    }
    projects = Project.objects.in_bulk({d[0] for d in days})
    for project_pk, day in days:
        for kind in kinds:
            rows = wanted.get((project_pk, day, kind), [])
            publish = publishes.get((project_pk, day, kind))
            if kind == TIMECARDS and (project_pk, day) in blocked:
                publisher.hold(projects[project_pk], day, rows, publish, blocked[project_pk, day])
                continue
            publisher.publish(projects[project_pk], day, kind, rows, publish)


# --- which days, and what each should say ----------------------------------------------------


def days_for(office: Office, params: dict, options: TimeOptions, kinds: list[str]) -> set[Day]:
    """The days asked for (a signal), in a range (Export now), else the recently changed ones."""
    if params.get("days") is not None:
        return {(int(p), parse_date(d)) for p, d in params["days"]}
    entries = TimeCardEntry.objects.filter(project__office=office)
    quantities = ProductionQuantity.objects.filter(project__office=office)
    publishes = DailyLogPublish.objects.filter(office=office, kind__in=kinds)
    if params.get("start"):
        start, end = parse_date(params["start"]), parse_date(params.get("end") or params["start"])
        where = Q(date__range=(start, end))
        return {
            *entries.filter(where).values_list("project_id", "date"),
            *quantities.filter(where).values_list("project_id", "date"),
            *publishes.filter(where).values_list("project_id", "date"),
        }
    return _changed_days(entries, quantities, publishes, kinds)


def _changed_days(entries, quantities, publishes, kinds: list[str]) -> set[Day]:
    """Days with cards or quantities changed after the day's last publish (or never published,
    or published with failures), among those changed within SWEEP_WINDOW."""
    since = timezone.now() - SWEEP_WINDOW
    changed: dict[Day, object] = {}
    for rows in (
        entries.filter(Q(updated_at__gte=since) | Q(deleted_at__gte=since))
        .values("project_id", "date")
        .annotate(last=Max("updated_at"), gone=Max("deleted_at")),
        quantities.filter(updated_at__gte=since)
        .values("project_id", "date")
        .annotate(last=Max("updated_at")),
    ):
        for row in rows:
            last = max(m for m in (row["last"], row.get("gone")) if m is not None)
            key = (row["project_id"], row["date"])
            changed[key] = max(last, changed.get(key, last))
    done: dict[Day, list] = defaultdict(list)
    for publish in publishes.filter(date__in={d for _, d in changed}):
        done[publish.project_id, publish.date].append(publish)
    return {
        day
        for day, last in changed.items()
        if len(done[day]) < len(kinds)
        or any(p.published_at < last or not p.fingerprint for p in done[day])
    }


def rows_for(
    office: Office, days: list[Day], options: TimeOptions, kinds: list[str]
) -> dict[tuple[int, date, str], list[Row]]:
    wanted: dict[tuple[int, date, str], list[Row]] = {}
    if not days:
        return wanted
    where = Q()
    for project_pk, day in days:
        where |= Q(project_id=project_pk, date=day)
    if TIMECARDS in kinds or MANPOWER in kinds:
        entries = TimeCardEntry.objects.filter(
            where,
            project__office=office,
            status__in=options.statuses,
            deleted_at__isnull=True,
        ).select_related("project", "employee", "sub_job", "cost_code", "crew")
        by_day: dict[Day, list[TimeCardEntry]] = defaultdict(list)
        for entry in entries.order_by("project_id", "date", "pk"):
            by_day[entry.project_id, entry.date].append(entry)
        for (project_pk, day), day_entries in by_day.items():
            if TIMECARDS in kinds:
                wanted[project_pk, day, TIMECARDS] = timecard_rows(day_entries)
            if MANPOWER in kinds:
                wanted[project_pk, day, MANPOWER] = manpower_rows(day_entries)
    if QUANTITIES in kinds:
        quantities = ProductionQuantity.objects.filter(where, project__office=office)
        by_day_q: dict[Day, list[ProductionQuantity]] = defaultdict(list)
        for quantity in quantities.select_related("cost_code").order_by("pk"):
            by_day_q[quantity.project_id, quantity.date].append(quantity)
        for (project_pk, day), day_quantities in by_day_q.items():
            wanted[project_pk, day, QUANTITIES] = quantity_rows(day_quantities)
    return wanted


def _grouped(items: Iterable, key: Callable) -> dict:
    groups: dict = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def timecard_rows(entries: list[TimeCardEntry]) -> list[Row]:
    def key(e: TimeCardEntry) -> str:
        return (
            f"e{e.employee_id}.c{e.crew_id or 0}.s{e.sub_job_id or 0}.k{e.cost_code_id or 0}"
            f".b{int(e.billable)}"
        )

    rows = []
    for row_key, group in sorted(_grouped(entries, key).items()):
        first, hours = group[0], sum((e.hours for e in group), Decimal(0))
        code = first.cost_code.code if first.cost_code else "no cost code"
        rows.append(
            Row(
                key=row_key,
                label=f"{first.employee} · {code} · {hours_text(hours)} h",
                values={
                    "hours": hours_text(hours),
                    "approved": all(e.status == EntryStatus.APPROVED for e in group),
                    "cards": len(group),
                },
                entries=group,
            )
        )
    return rows


def manpower_rows(entries: list[TimeCardEntry]) -> list[Row]:
    """Per crew and cost code, workers grouped by their hours that day (so man-hours are exact)."""
    rows = []
    crews = _grouped(entries, lambda e: (e.crew_id or 0, e.cost_code_id or 0))
    for (crew_pk, code_pk), group in sorted(crews.items()):
        per_worker = _grouped(group, lambda e: e.employee_id)
        by_hours = _grouped(
            per_worker.values(), lambda cards: sum((c.hours for c in cards), Decimal(0))
        )
        first = group[0]
        crew = first.crew.name if first.crew else "No crew"
        code = first.cost_code.code if first.cost_code else "no cost code"
        for hours, workers in sorted(by_hours.items()):
            rows.append(
                Row(
                    key=f"c{crew_pk}.k{code_pk}.h{hours_text(hours)}",
                    label=f"{crew} · {code} · {len(workers)} x {hours_text(hours)} h",
                    values={"workers": len(workers), "hours": hours_text(hours), "crew": crew},
                    entries=[card for cards in workers for card in cards],
                )
            )
    return rows


def quantity_rows(quantities: list[ProductionQuantity]) -> list[Row]:
    rows = []
    groups = _grouped(quantities, lambda q: (q.cost_code_id, q.unit))
    for (code_pk, unit), group in sorted(groups.items()):
        total = sum((q.quantity for q in group), Decimal(0))
        words = "; ".join(dict.fromkeys(q.description for q in group if q.description))
        unit_key = re.sub(r"[^A-Za-z0-9]+", "_", unit) or "_"
        rows.append(
            Row(
                key=f"k{code_pk}.u{unit_key}",
                label=f"{group[0].cost_code.code} · {total.normalize():f} {unit}",
                values={"quantity": f"{total.normalize():f}", "unit": unit, "words": words},
                quantities=group,
            )
        )
    return rows


def fingerprint(rows: list[Row]) -> str:
    """Of the rows and of every card and quantity in them, so any edit publishes the day again
    (and a card never shows out of date while its day is unchanged)."""
    content = [
        [
            r.key,
            r.values,
            [[e.pk, current_print(e)] for e in r.entries],
            [[q.pk, str(q.quantity), q.unit, q.description] for q in r.quantities],
        ]
        for r in rows
    ]
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


# --- publishing one day and kind -------------------------------------------------------------


@dataclass
class Publisher:
    recorder: RunRecorder
    targets: Targets
    client: ProcoreClient
    office: Office

    def publish(
        self,
        project: Project,
        day: date,
        kind: str,
        rows: list[Row],
        publish: DailyLogPublish | None,
    ) -> None:
        printed = fingerprint(rows)
        if (publish is None and not rows) or (publish and publish.fingerprint == printed):
            self.recorder.add(Counter(skipped=1), [], done=1)  # nothing new for that day
            return
        self.targets.load(
            [e for r in rows for e in r.entries],
            [q.cost_code for r in rows for q in r.quantities],
            projects=[project.pk],
        )
        catalog, problems = where_problems(self.targets, project)
        ctx = DayContext(project, day, kind, catalog)
        before = dict(publish.procore_ids) if publish else {}
        if catalog is None:
            self._refuse(ctx, rows, problems, publish, before, printed)
            return
        for row in rows:
            row.problems = self._resolve(ctx, row)
        try:
            ours = self._ours(ctx, publish)
        except ProcoreError as exc:
            if exc.status in (401, 403):
                raise
            self._refuse(ctx, rows, [Problem(exc.message, RETRY_FIX)], publish, before, printed)
            return
        ids = self._write(ctx, rows, ours)
        self._finish(ctx, rows, publish, ids, printed)

    def hold(
        self,
        project: Project,
        day: date,
        rows: list[Row],
        publish: DailyLogPublish | None,
        problem: Problem,
    ) -> None:
        """The day's timesheet entries could not be withdrawn: nothing of it is published."""
        ctx = DayContext(project, day, TIMECARDS, None)
        before = dict(publish.procore_ids) if publish else {}
        held = [Problem(f"Not published: {problem.message}", problem.fix)]
        self._refuse(ctx, rows, held, publish, before, "")

    def _refuse(self, ctx, rows, problems, publish, ids, printed) -> None:
        """Nothing of the day can be written: every row fails with the reason."""
        for row in rows:
            row.problems = list(problems)
            self._item(ctx, row, Outcome.FAILED, *problems_text(problems))
        ctx.failed = True
        self._finish(ctx, rows, publish, ids, printed)

    # -- what each row becomes in Procore --------------------------------------------------

    def _resolve(self, ctx: "DayContext", row: Row) -> list[Problem]:
        if ctx.kind == QUANTITIES:
            return self._quantity(ctx, row)
        first = row.entries[0]
        sub_job = (
            self.targets.linked("sub_job", first.sub_job_id) if ctx.kind == TIMECARDS else None
        )
        labor = ctx.kind == TIMECARDS
        code, problems = cost_code_problems(
            self.targets, ctx.catalog, first.cost_code, sub_job, labor=labor
        )
        common = {"date": ctx.day.isoformat(), "cost_code_id": code.id if code else None}
        if ctx.kind == MANPOWER:
            text = f"{row.values['crew']} · {first.cost_code.code if first.cost_code else '-'}"
            row.fields = common | {
                "num_workers": row.values["workers"],
                "num_hours": row.values["hours"],
                "notes": f"{text} [Trestle {row.key}]",
            }
            return problems
        party = self.targets.party(first.employee)
        if party is None:
            problems.append(
                Problem(
                    f"Employee {first.employee} is not linked to a Procore person.", LINK_EMPLOYEE
                )
            )
        if first.sub_job_id is not None and sub_job is None:
            problems.append(
                Problem(
                    f"Sub-job {first.sub_job.code} is not in Procore.",
                    "Sync sub-jobs to Procore (Settings > Procore).",
                )
            )
        if closed := closed_problem(ctx.catalog, ctx.day):
            problems.append(closed)
        cards = row.values["cards"]
        row.fields = common | {
            "hours": row.values["hours"],
            "party_id": party,
            "sub_job_id": sub_job,
            "line_item_type_id": code.labor_type_id if code else None,
            "crew_id": self.targets.crew_id(first.crew, first.project_id),
            "billable": first.billable,
            "description": f"Daily log: {cards} time card{'s' if cards > 1 else ''} from Trestle",
            "approval_status": "approved" if row.values["approved"] else "pending",
        }
        return problems

    def _quantity(self, ctx: "DayContext", row: Row) -> list[Problem]:
        cost_code = row.quantities[0].cost_code
        code, problems = cost_code_problems(self.targets, ctx.catalog, cost_code, None, labor=False)
        total = Decimal(row.values["quantity"])
        if total != total.to_integral_value():
            problems.append(
                Problem(
                    f"Procore's quantity logs take whole numbers: {row.label} cannot be sent "
                    "exactly.",
                    "Record the day's quantities in whole units (or a smaller unit), then "
                    "publish again.",
                )
            )
        words = row.values["words"][:200]
        row.fields = {
            "date": ctx.day.isoformat(),
            "quantity": int(total) if not problems else None,
            "unit": row.values["unit"],
            "cost_code_id": code.id if code else None,
            "description": f"{words} [Trestle {row.key}]".strip(),
        }
        return problems

    # -- Procore's side of the day ---------------------------------------------------------

    def _read(self, ctx: "DayContext") -> list[dict]:
        params = {"log_date": ctx.day.isoformat()}
        list_of = {
            TIMECARDS: resources.timecard_entries,
            MANPOWER: resources.manpower_logs,
            QUANTITIES: resources.quantity_logs,
        }[ctx.kind]
        records = []
        for record in list_of(self.client, project_id=ctx.project_id, params=params):
            ctx.check_key_field(record)
            if is_procore_id(record.get("id")):
                records.append(record)
            elif key := ctx.key_of(record):  # ours, but not something we can update or delete
                ctx.unreadable[key] = f"'id' should be a Procore id, got {record.get('id')!r}"
        return records

    def _ours(self, ctx: "DayContext", publish: DailyLogPublish | None) -> dict[str, list[dict]]:
        """Our logs of the day in Procore, by row key (several: duplicates to remove)."""
        known = {v: k for k, v in (publish.procore_ids if publish else {}).items()}
        ours: dict[str, list[dict]] = defaultdict(list)
        for record in self._read(ctx):
            key = known.get(record["id"]) or ctx.key_of(record)
            if key:
                ours[key].append(record)
        return ours

    def _write(self, ctx: "DayContext", rows: list[Row], ours: dict[str, list[dict]]) -> dict:
        ids: dict[str, int] = {}
        creates: list[Row] = []
        for row in rows:
            found = ours.pop(row.key, [])
            for extra in found[1:]:
                self._delete(ctx, extra, "A duplicate of this row: removed.")
            if row.key in ctx.unreadable:  # never created beside a log that may be it
                row.problems = [*row.problems, Problem(ctx.unread(row.key), RETRY_FIX)]
            if row.problems:
                if found:
                    ids[row.key] = found[0]["id"]  # kept as it was until the row can be sent
                self._item(ctx, row, Outcome.FAILED, *problems_text(row.problems))
            elif not found:
                creates.append(row)
            elif ctx.differs(found[0], row.fields):
                if (written := self._update(ctx, row, found[0]["id"])) is not None:
                    ids[row.key] = written
            else:
                ids[row.key] = found[0]["id"]
                self._item(
                    ctx,
                    row,
                    Outcome.SKIPPED,
                    "Already in Procore, unchanged.",
                    procore_id=found[0]["id"],
                )
        creates = self._reuse(ctx, creates, ours, ids)
        for records in ours.values():  # ours, no longer wanted: the day's figures are replaced
            for record in records:
                self._delete(ctx, record, "No longer in Trestle's figures for the day: removed.")
        ids |= self._create(ctx, creates)
        return ids

    def _reuse(
        self, ctx: "DayContext", creates: list[Row], ours: dict[str, list[dict]], ids: dict
    ) -> list[Row]:
        """A manpower row whose hours changed keeps its Procore log (updated, not replaced)."""
        if ctx.kind != MANPOWER:
            return creates
        left = []
        for row in creates:
            group = _group(row.key)
            spare = next((k for k in ours if _group(k) == group and ours[k]), None)
            if spare is None:
                left.append(row)
                continue
            record = ours[spare].pop(0)
            if not ours[spare]:
                del ours[spare]
            if (written := self._update(ctx, row, record["id"])) is not None:
                ids[row.key] = written
        return left

    def _create(self, ctx: "DayContext", rows: list[Row]) -> dict[str, int]:
        if ctx.kind != TIMECARDS:
            return {row.key: i for row in rows if (i := self._create_log(ctx, row)) is not None}
        ids, batches = {}, iter(rows)
        while batch := list(islice(batches, BULK_SIZE)):
            ids |= self._create_timecards(ctx, batch)
        return ids

    def _create_timecards(self, ctx: "DayContext", batch: list[Row]) -> dict[str, int]:
        stamp = timezone.now().strftime("%y%m%d%H%M%S%f")
        bodies = [
            row.fields
            | {
                "origin_id": ctx.origin(row.key, stamp),
                "origin_data": f"Trestle daily log {row.key}",
            }
            for row in batch
        ]
        try:
            created = resources.timecard_entries_bulk_create(
                self.client, project_id=ctx.project_id, entries=bodies
            )
            answered = created if isinstance(created, list) else []
            landed = self._confirmed(
                ctx, batch, {ctx.key_of(r): r.get("id") for r in answered if isinstance(r, dict)}
            )
        except ProcoreRejected as exc:
            if len(batch) > 1:
                return {
                    k: v for row in batch for k, v in self._create_timecards(ctx, [row]).items()
                }
            self._item(
                ctx, batch[0], Outcome.FAILED, exc.message, "Correct it, then publish again."
            )
            return {}
        except ProcoreError as exc:
            if exc.status in (401, 403):
                raise
            landed = self._look_again(ctx, exc)
        return self._created(ctx, batch, landed)

    def _create_log(self, ctx: "DayContext", row: Row) -> int | None:
        create = (
            resources.manpower_log_create
            if ctx.kind == MANPOWER
            else (resources.quantity_log_create)
        )
        try:
            record = create(self.client, project_id=ctx.project_id, log=row.fields)
            answered = record.get("id") if isinstance(record, dict) else None
            landed = self._confirmed(ctx, [row], {row.key: answered})
        except ProcoreRejected as exc:
            self._item(ctx, row, Outcome.FAILED, exc.message, "Correct it, then publish again.")
            return None
        except ProcoreError as exc:
            if exc.status in (401, 403):
                raise
            landed = self._look_again(ctx, exc)
        return self._created(ctx, [row], landed).get(row.key)

    def _confirmed(self, ctx: "DayContext", rows: list[Row], answered: dict) -> dict[str, int]:
        """The ids a create's answer gives, by row key. One that gives a row no readable id is
        an unknown outcome (the log may have landed): the day is read again for it."""
        ids = {key: value for key, value in answered.items() if is_procore_id(value)}
        unread = [row for row in rows if row.key not in ids]
        if unread:
            ids |= self._landed(ctx)
        for row in unread:
            if row.key not in ids:
                reason = f"the create's answer gives no id, got {answered.get(row.key)!r}"
                ctx.unreadable.setdefault(row.key, reason)
        return ids

    def _look_again(self, ctx: "DayContext", exc: ProcoreError) -> dict[str, int]:
        """After a lost answer: what of ours the day now holds (nothing is sent twice)."""
        return self._landed(ctx) if isinstance(exc, OutcomeUnknown) else {}

    def _landed(self, ctx: "DayContext") -> dict[str, int]:
        """Ours in the day as Procore holds it now, by row key; {} when it cannot be read."""
        try:
            return {ctx.key_of(r): r["id"] for r in self._read(ctx) if ctx.key_of(r)}
        except ProcoreError:
            return {}

    def _created(self, ctx: "DayContext", rows: list[Row], landed: dict) -> dict[str, int]:
        ids = {}
        for row in rows:
            if isinstance(landed.get(row.key), int):
                ids[row.key] = landed[row.key]
                self._item(ctx, row, Outcome.CREATED, "Published.", procore_id=ids[row.key])
            else:
                message = ctx.unread(row.key) or "Procore did not confirm the write."
                self._item(ctx, row, Outcome.FAILED, message, RETRY_FIX)
        return ids

    def _update(self, ctx: "DayContext", row: Row, procore_id: int) -> int | None:
        try:
            if ctx.kind == TIMECARDS:
                resources.timecard_entry_update(
                    self.client,
                    procore_id,
                    company_id=self.targets.connection.company_id,
                    project_id=ctx.project_id,
                    entry={k: v for k, v in row.fields.items() if k != "origin_id"},
                )
            else:
                update = (
                    resources.manpower_log_update
                    if ctx.kind == MANPOWER
                    else (resources.quantity_log_update)
                )
                update(self.client, procore_id, project_id=ctx.project_id, log=row.fields)
        except NotFound:
            return self._create(ctx, [row]).get(row.key)  # deleted in Procore meanwhile
        except ProcoreError as exc:
            if exc.status in (401, 403):
                raise
            fix = (
                "Correct it, then publish again." if isinstance(exc, ProcoreRejected) else RETRY_FIX
            )
            self._item(ctx, row, Outcome.FAILED, exc.message, fix, procore_id=procore_id)
            return procore_id
        self._item(ctx, row, Outcome.UPDATED, "Updated in place.", procore_id=procore_id)
        return procore_id

    def _delete(self, ctx: "DayContext", record: dict, message: str) -> None:
        delete = {
            TIMECARDS: resources.timecard_entry_delete,
            MANPOWER: resources.manpower_log_delete,
            QUANTITIES: resources.quantity_log_delete,
        }[ctx.kind]
        try:
            delete(self.client, record["id"], project_id=ctx.project_id)
        except NotFound:
            pass
        except ProcoreError as exc:
            if exc.status in (401, 403):
                raise
            ctx.failed = True
            self._removed_item(ctx, record, Outcome.FAILED, exc.message, RETRY_FIX)
            return
        self._removed_item(ctx, record, Outcome.DEACTIVATED, message)

    # -- outcomes --------------------------------------------------------------------------

    def _finish(
        self,
        ctx: "DayContext",
        rows: list[Row],
        publish: DailyLogPublish | None,
        ids: dict[str, int],
        printed: str,
    ) -> None:
        complete = not ctx.failed and all(not r.problems and r.key in ids for r in rows)
        values = {"procore_ids": ids, "fingerprint": printed if complete else ""}
        DailyLogPublish.objects.update_or_create(
            office=self.office,
            project=ctx.project,
            date=ctx.day,
            kind=ctx.kind,
            defaults={**values, "published_at": timezone.now()},
        )
        if ctx.kind == TIMECARDS:
            _entry_refs(self.office, ctx, rows, ids)
        items, ctx.items = ctx.items, []
        self.recorder.add(Counter(i.outcome for i in items), items, done=1)

    def _item(
        self,
        ctx: "DayContext",
        row: Row,
        outcome: str,
        message: str,
        fix: str = "",
        *,
        procore_id: int | None = None,
    ) -> None:
        if outcome == Outcome.FAILED:
            row.problems = row.problems or [Problem(message, fix)]
        ctx.items.append(ctx.item(row.label, outcome, message, fix, procore_id))

    def _removed_item(self, ctx, record: dict, outcome: str, message: str, fix: str = "") -> None:
        label = ctx.key_of(record) or f"#{record['id']}"
        ctx.items.append(ctx.item(label, outcome, message, fix, record["id"]))


@dataclass
class DayContext:
    project: Project
    day: date
    kind: str
    catalog: object
    items: list[SyncItem] = field(default_factory=list)
    failed: bool = False
    unreadable: dict[str, str] = field(default_factory=dict)  # row key -> what is wrong

    @property
    def project_id(self) -> int:
        return self.catalog.project_id

    def origin(self, key: str, stamp: str) -> str:
        return f"{self._prefix}{key}~{stamp}"

    @property
    def _prefix(self) -> str:
        return daily_log_prefix(self.project.pk, self.day)

    def key_of(self, record: dict) -> str | None:
        """Our row key in a Procore log of this day, if the log is ours."""
        if self.kind == TIMECARDS:
            origin = str(record.get("origin_id") or "")
            return (
                origin.removeprefix(self._prefix).split("~")[0]
                if origin.startswith(self._prefix)
                else None
            )
        match = TAG.search(str(record.get(TEXT_FIELD[self.kind]) or ""))
        return match.group(1) if match else None

    def check_key_field(self, record: dict) -> None:
        """A log whose origin_id or tag field is not text may be one of ours: none of the day's
        rows can be told apart from it, so the day fails (MalformedAnswer) rather than write a
        second log beside it."""
        name = "origin_id" if self.kind == TIMECARDS else TEXT_FIELD[self.kind]
        value = record.get(name)
        if not isinstance(value, str | None):
            raise MalformedAnswer(
                f"A log of the day in Procore could not be read: '{name}' should be text, got "
                f"{type(value).__name__} {value!r}. Nothing is written for the day until it can "
                "be read, so no log is made twice."
            )

    def unread(self, key: str) -> str:
        """Why a row's log in Procore cannot be told apart, if it cannot ("" when it can)."""
        if key not in self.unreadable:
            return ""
        return (
            f"Procore's log for this row could not be read ({self.unreadable[key]}); it may be "
            "there already, so nothing is created beside it."
        )

    def differs(self, record: dict, fields: dict) -> bool:
        return any(not _same(key, _value(record, key), value) for key, value in fields.items())

    def item(self, label, outcome, message, fix, procore_id) -> SyncItem:
        return SyncItem(
            entity=ENTITY[self.kind],
            direction="out",
            procore_id=procore_id,
            label=f"{self.project.number} {present.day(self.day)} {label}"[:200],
            outcome=outcome,
            message=message,
            fix=fix,
        )


def _group(key: str) -> str:
    """A manpower row's crew and cost code ("c3.k7" of "c3.k7.h8.00")."""
    return key.rsplit(".h", 1)[0]


def _value(record: dict, key: str):
    """A field as Procore answers it: `cost_code_id` may come as `cost_code: {id}`."""
    if key in record:
        return record[key]
    if key.endswith("_id") and isinstance(record.get(key[:-3]), dict):
        return record[key[:-3]].get("id")
    return None


def _same(key: str, theirs, ours) -> bool:
    if key in ("hours", "num_hours", "quantity", "num_workers"):
        try:
            return Decimal(str(theirs)) == Decimal(str(ours))
        except ArithmeticError:
            return False
    if key in ("approval_status", "origin_data"):
        return True  # not answered by every list; never worth a write on its own
    return (theirs or None) == (ours or None) if not isinstance(ours, bool) else theirs == ours


def _entry_refs(office: Office, ctx: DayContext, rows: list[Row], ids: dict[str, int]) -> None:
    """Each time card of the day shows whether its daily-log row made it (states.py)."""
    content_type, now = entry_content_type(), timezone.now()
    refs = []
    for row in rows:
        sent = not row.problems and row.key in ids
        error = " ".join(p.text for p in row.problems)
        for entry in row.entries:
            refs.append(
                ExternalRef(
                    office=office,
                    content_type=content_type,
                    object_id=entry.pk,
                    procore_type=DAILY_LOG_TIMECARD,
                    fingerprint=current_print(entry),
                    synced_at=now,
                    state=LinkState.SYNCED if sent else LinkState.FAILED,
                    error="" if sent else error,
                )
            )
    ExternalRef.objects.bulk_create(
        refs,
        update_conflicts=True,
        unique_fields=["office", "procore_type", "content_type", "object_id"],
        update_fields=["fingerprint", "synced_at", "state", "error"],
    )
    in_rows = [r.object_id for r in refs]
    day_cards = TimeCardEntry.objects.filter(project=ctx.project, date=ctx.day).exclude(
        pk__in=in_rows
    )
    ExternalRef.objects.filter(
        office=office,
        procore_type=DAILY_LOG_TIMECARD,
        content_type=content_type,
        object_id__in=day_cards.values("pk"),
    ).update(state=LinkState.ORPHANED, error="", synced_at=now)
