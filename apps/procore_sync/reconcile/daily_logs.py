"""The daily-log comparer: what Trestle published into Procore's Daily Logs, day by day.

For each project with published logs (DailyLogPublish.procore_ids), Procore's timecard entries,
manpower logs and quantity logs are listed once per kind over the span of the published days
(`start_date`/`end_date`, procore-api.md §3.4) at the largest page size: ceil(listed / 2,000)
requests per project and kind, never one per day or per log. Logs are matched by the ids the
publish recorded; logs Trestle never published are not compared.

Per day and kind, what the cards (and quantities) make now (time_export/daily_logs.py rows) is
compared with those logs: a timecard row by its hours, manpower per crew and cost code by its
workers and hours (its rows are keyed by hours, so a changed card moves between them), a
quantity row by its quantity. Which side changed: a log Procore updated after the day's publish
(Trestle's last write) changed in Procore; one Procore did not touch, yet differing, changed in
Trestle; both when Procore updated it and the day's figures left the publish's fingerprint
through a card (or quantity) of that row edited since.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.utils.dateparse import parse_datetime

from apps.core import present
from apps.offices.models import Office
from apps.projects.models import Project
from apps.timecards.models import ProductionQuantity, TimeCardEntry

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import per_page_for
from ..engine_models import Outcome, SyncItem
from ..mapping.common import is_procore_id
from ..project_mapping import project_mapping
from ..reconcile_models import Difference, DiffField, Repair, Side
from ..runs import sync_settings_for
from ..time_export.daily_logs import (
    KINDS,
    MANPOWER,
    QUANTITIES,
    TIMECARDS,
    Row,
    fingerprint,
    manpower_rows,
    quantity_rows,
    rows_for,
    timecard_rows,
)
from ..time_export.options import DAILY_LOGS, TimeOptions
from ..time_models import DailyLogPublish
from .comparison import WHERE, Comparison

FLOW = "daily_logs"
DAYS_PER_QUERY = 200  # rows_for ORs one condition per day: the query stays small
LIST = {
    TIMECARDS: (resources.timecard_entries, "timecard_entries"),
    MANPOWER: (resources.manpower_logs, "manpower_logs"),
    QUANTITIES: (resources.quantity_logs, "quantity_logs"),
}
NOUN = {TIMECARDS: "timecard", MANPOWER: "manpower", QUANTITIES: "quantity log"}
FIELD = {TIMECARDS: DiffField.HOURS, MANPOWER: DiffField.HOURS, QUANTITIES: DiffField.VALUE}


@dataclass
class DayKind:
    """One published day and kind: what the cards make now, and what Procore holds of it."""

    publish: DailyLogPublish
    procore_project_id: int
    rows: list[Row]
    logs: dict[int, dict] = field(default_factory=dict)  # our published logs Procore lists
    unsure: bool = False  # Procore's list held a log that could not be read
    unreadable: set[int] = field(default_factory=set)  # our logs whose figures are not readable

    @property
    def kind(self) -> str:
        return self.publish.kind


def daily_logs_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's published days and Procore's daily logs."""
    result = Comparison()
    options = TimeOptions.of(sync_settings_for(office))
    days = _published(office, options)
    touched = _touched(office, days)
    for (procore_project_id, kind), group in _by_listing(days).items():
        _read(client, procore_project_id, kind, group, result)
    for day in days:
        result.differences += day_differences(day, touched)
    return result


# --- what was published, and what the cards make now ------------------------------------------


def _published(office: Office, options: TimeOptions) -> list[DayKind]:
    """The office's published days of mapped projects, with their rows as the cards make them
    now (no timecard rows when time goes to timesheets: they are withdrawn there)."""
    publishes = list(
        DailyLogPublish.objects.filter(office=office, kind__in=KINDS)
        .select_related("project")
        .order_by("project_id", "date", "kind")
    )
    mapped = _procore_projects({p.project for p in publishes})
    publishes = [p for p in publishes if p.project_id in mapped]
    kinds = [k for k in KINDS if k != TIMECARDS or options.mode == DAILY_LOGS]
    wanted: dict = {}
    days = iter(sorted({(p.project_id, p.date) for p in publishes}))
    while chunk := list(islice(days, DAYS_PER_QUERY)):
        wanted |= rows_for(office, chunk, options, kinds)
    return [
        DayKind(p, mapped[p.project_id], wanted.get((p.project_id, p.date, p.kind), []))
        for p in publishes
    ]


def _procore_projects(projects: set[Project]) -> dict[int, int]:
    """{Trestle project pk: Procore project id} of the mapped ones."""
    found = {}
    for project in projects:
        ref = project_mapping(project)
        if ref is not None and ref.procore_id:
            found[project.pk] = ref.procore_id
    return found


@dataclass
class Touched:
    """What Trestle changed after each day's publish, by row unit (see `unit_of`)."""

    units: dict[tuple[int, date, str], dict[str, datetime]] = field(default_factory=dict)
    labels: dict[tuple[int, date, str], dict[str, str]] = field(default_factory=dict)

    def since(self, day: DayKind, unit: str) -> bool:
        changed = self.units.get(_where(day), {}).get(unit)
        return changed is not None and changed > day.publish.published_at

    def label(self, day: DayKind, unit: str) -> str:
        return self.labels.get(_where(day), {}).get(unit, f"row {unit}")


def _where(day: DayKind) -> tuple[int, date, str]:
    return (day.publish.project_id, day.publish.date, day.kind)


def _touched(office: Office, days: list[DayKind]) -> Touched:
    """Each card and quantity of the published days (any status, deleted too): when it last
    changed, and a name for its row."""
    touched = Touched()
    if not days:
        return touched
    wanted = {(d.publish.project_id, d.publish.date) for d in days}
    span = (min(d for _, d in wanted), max(d for _, d in wanted))
    where = {"project__office": office, "project_id__in": {p for p, _ in wanted}}
    cards = TimeCardEntry.objects.filter(**where, date__range=span).select_related(
        "employee", "cost_code", "crew"
    )
    for card in cards.order_by("pk"):
        if (card.project_id, card.date) in wanted:
            changed = max(m for m in (card.updated_at, card.deleted_at) if m is not None)
            [timecard] = timecard_rows([card])
            [manpower] = manpower_rows([card])
            code = card.cost_code.code if card.cost_code else "no cost code"
            crew = card.crew.name if card.crew else "No crew"
            _note(touched, card, TIMECARDS, timecard.key, changed, f"{card.employee} · {code}")
            _note(touched, card, MANPOWER, manpower.key, changed, f"{crew} · {code}")
    quantities = ProductionQuantity.objects.filter(**where, date__range=span)
    for quantity in quantities.select_related("cost_code").order_by("pk"):
        if (quantity.project_id, quantity.date) in wanted:
            [row] = quantity_rows([quantity])
            name = f"{quantity.cost_code.code} in {quantity.unit}"
            _note(touched, quantity, QUANTITIES, row.key, quantity.updated_at, name)
    return touched


def _note(touched: Touched, item, kind: str, key: str, changed: datetime, label: str) -> None:
    where, unit = (item.project_id, item.date, kind), unit_of(kind, key)
    units = touched.units.setdefault(where, {})
    units[unit] = max(changed, units.get(unit, changed))
    touched.labels.setdefault(where, {}).setdefault(unit, label)


def unit_of(kind: str, key: str) -> str:
    """What is compared as one: a row, or for manpower a crew and cost code ("c3.k7" of
    "c3.k7.h8.00"), whose workers move between rows of different hours."""
    return key.rsplit(".h", 1)[0] if kind == MANPOWER else key


# --- Procore's side -------------------------------------------------------------------------


def _by_listing(days: list[DayKind]) -> dict[tuple[int, str], list[DayKind]]:
    """Published days by the list that reads them: one per Procore project and kind."""
    grouped: dict[tuple[int, str], list[DayKind]] = defaultdict(list)
    for day in days:
        if day.publish.procore_ids:
            grouped[day.procore_project_id, day.kind].append(day)
    return grouped


def _read(
    client: ProcoreClient, project_id: int, kind: str, days: list[DayKind], result: Comparison
) -> None:
    """Procore's logs of the days, in one list over their span; ours are found by id."""
    list_of, name = LIST[kind]
    ours = {i: day for day in days for i in day.publish.procore_ids.values()}
    span = {
        "start_date": min(d.publish.date for d in days).isoformat(),
        "end_date": max(d.publish.date for d in days).isoformat(),
    }
    listed = 0
    for number, record in enumerate(list_of(client, project_id=project_id, params=span), 1):
        listed += 1
        log_id = record.get("id")
        if not is_procore_id(log_id):
            for day in days:  # it may be one of ours: none of them is reported missing
                day.unsure = True
            result.unread.append(_unread(kind, f"#{number} of Procore's list", "'id'", log_id))
        elif log_id in ours:
            day = ours[log_id]
            day.logs[log_id] = record
            if figure(kind, record) is None:
                day.unreadable.add(log_id)
                result.unread.append(_unread(kind, f"{log_id}", "its figures", record))
    path = f"/rest/v1.0/projects/{project_id}/{name}"
    result.requests_min += max(-(-listed // per_page_for(path)), 1)


def _unread(kind: str, which: str, what: str, got) -> SyncItem:
    return SyncItem(
        entity=LIST[kind][1],
        direction="in",
        label=f"Procore {NOUN[kind]} {which}",
        outcome=Outcome.FAILED,
        message=f"Procore's answer could not be read ({what}: {str(got)[:80]}); its day was "
        "not compared.",
        fix="Run the report again.",
    )


def figure(kind: str, record: dict) -> str | None:
    """What a Procore log says, in the words a row's figure uses; None when unreadable."""
    try:
        if kind == TIMECARDS:
            return _hours(record.get("hours"))
        if kind == MANPOWER:
            workers = record.get("num_workers")
            if not isinstance(workers, int) or isinstance(workers, bool):
                return None
            return f"{workers} x {_hours(record.get('num_hours'))}"
        return f"{Decimal(str(record.get('quantity'))).normalize():f} {record.get('unit')}"
    except (InvalidOperation, ValueError, TypeError):
        return None


def row_figure(kind: str, row: Row) -> str:
    if kind == TIMECARDS:
        return _hours(row.values["hours"])
    if kind == MANPOWER:
        return f"{row.values['workers']} x {_hours(row.values['hours'])}"
    return f"{Decimal(row.values['quantity']).normalize():f} {row.values['unit']}"


def _hours(value) -> str:
    if value is None or isinstance(value, bool):
        raise ValueError(value)
    return f"{Decimal(str(value)):.2f} h"


def _figures(figures: list[str]) -> str:
    return " + ".join(sorted(figures))


# --- the differences of one day and kind ----------------------------------------------------


def day_differences(day: DayKind, touched: Touched) -> list[Difference]:
    wanted: dict[str, list[Row]] = defaultdict(list)
    for row in day.rows:
        wanted[unit_of(day.kind, row.key)].append(row)
    published: dict[str, list[int]] = defaultdict(list)
    for key, log_id in day.publish.procore_ids.items():
        published[unit_of(day.kind, key)].append(log_id)
    changed = day.publish.fingerprint != fingerprint(day.rows)
    found = []
    for unit in sorted(set(wanted) | set(published)):
        rows, ids = wanted.get(unit, []), published.get(unit, [])
        if day.unreadable & set(ids):
            continue
        present = [day.logs[i] for i in ids if i in day.logs]
        gone = [i for i in ids if i not in day.logs]
        compare = _Unit(day, unit, rows, present, touched.label(day, unit))
        if not ids:
            found.append(compare.missing(Side.TRESTLE, None))
        elif gone and rows:
            if not day.unsure:
                found.append(compare.missing(Side.PROCORE, gone[0]))
        elif not rows:
            if present:
                found.append(compare.extra())
        elif compare.trestle != compare.procore:
            trestle = changed and touched.since(day, unit)
            found.append(compare.differs(_side(day, present, trestle)))
    return found


def _side(day: DayKind, present: list[dict], trestle_changed: bool) -> str:
    """Procore changed a log it updated after the day's publish (our last write); otherwise
    Procore holds what was published, so the difference is Trestle's."""
    updated = [_moment(log.get("updated_at")) for log in present]
    if any(u is None for u in updated):
        return Side.UNKNOWN
    procore_changed = any(u > day.publish.published_at for u in updated)
    if procore_changed and trestle_changed:
        return Side.BOTH
    return Side.PROCORE if procore_changed else Side.TRESTLE


def _moment(value) -> datetime | None:
    """Procore's `updated_at` (UTC when it names no zone); None when unreadable."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


@dataclass
class _Unit:
    day: DayKind
    unit: str
    rows: list[Row]
    present: list[dict]
    name: str

    @property
    def trestle(self) -> str:
        return _figures([row_figure(self.day.kind, r) for r in self.rows])

    @property
    def procore(self) -> str:
        return _figures([figure(self.day.kind, log) for log in self.present])

    @property
    def what_row(self) -> str:
        return f"{NOUN[self.day.kind]} of {self.name}"

    @property
    def what(self) -> str:
        return f"{self.what_row} on {present.day(self.day.publish.date)}"

    def differs(self, side: str) -> Difference:
        verb = "sent" if side == Side.PROCORE else "has"
        return self._difference(
            FIELD[self.day.kind], side, self.trestle, self.procore, Repair.SEND_AGAIN,
            f"Procore's {self.what} is {self.procore}; Trestle {verb} {self.trestle}; "
            f"{WHERE[side]}.",
        )  # fmt: skip

    def missing(self, side: str, gone: int | None) -> Difference:
        how = "sent" if side == Side.PROCORE else "has, never sent,"
        difference = self._difference(
            DiffField.MISSING_RECORD, side, self.trestle, "missing", Repair.SEND_AGAIN,
            f"Procore lacks the {self.what}; Trestle {how} {self.trestle}; {WHERE[side]}.",
        )  # fmt: skip
        difference.procore_id = gone
        return difference

    def extra(self) -> Difference:
        return self._difference(
            DiffField.EXTRA_RECORD, Side.TRESTLE, "none", self.procore, Repair.WITHDRAW,
            f"Procore still holds the {self.what} at {self.procore}; Trestle's cards no longer "
            f"make it; {WHERE[Side.TRESTLE]}.",
        )  # fmt: skip

    def _difference(self, kind, side, trestle, procore, repair, message) -> Difference:
        publish = self.day.publish
        return Difference(
            office_id=publish.office_id,
            flow=FLOW,
            object_id=publish.pk,
            label=f"{publish.project.number} {present.day(publish.date)} {self.what_row}",
            procore_project_id=self.day.procore_project_id,
            procore_id=self.present[0]["id"] if self.present else None,
            key=f"{self.day.kind}/{publish.date:%Y-%m-%d}/{self.unit}",
            field=kind,
            trestle_value=trestle,
            procore_value=procore,
            side=side,
            repair=repair,
            message=message,
        )
