"""The timesheets comparer: each time card Trestle sent as a Procore timecard entry against that
entry as Procore holds it now.

Reads the company's timecard entries with one list, `start_date`/`end_date` spanning the sent
cards' days, 2,000 a page: ceil(entries listed / 2,000) requests (at least one), never one per
card or per project. The list holds every project's entries, daily-log timecards and Procore's
own among them; ours are found by the id Trestle recorded (a create whose answer never came, by
its origin_id). An entry Trestle never sent is not a difference.

A card belongs in Procore while the office sends time to timesheets and the card is neither
deleted nor out of the statuses it sends (TimeOptions.statuses). Each difference is about one
card: object_id its TimeCardEntry pk, key "<day>/p<Trestle project pk>".
- hours: Procore's entry holds other hours than the card. Procore changed when it no longer holds
  what was sent (the card with Procore's hours has the fingerprint of the send); Trestle changed
  when the card's fingerprint is no longer the send's. Sent again.
- missing_record: a sent card that belongs is gone from Procore. Sent again, as a new entry.
- extra_record: Procore holds a sent card that no longer belongs (deleted, rejected, unapproved,
  or the office now sends time to daily logs). Withdrawn.
"""

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from apps.core import present
from apps.offices.models import Office
from apps.projects.models import Project
from apps.timecards.fingerprint import entry_fingerprint
from apps.timecards.models import EntryStatus, TimeCardEntry

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import per_page_for
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem
from ..mapping.common import is_procore_id
from ..outbound import GONE
from ..reconcile_models import Difference, DiffField, Repair, Side
from ..runs import sync_settings_for
from ..time_export.options import TIME_FLOW, TIMESHEETS, TimeOptions
from ..time_export.states import TIMECARD_ENTRY, current_print, entry_content_type
from ..time_export.timesheets import entry_label
from .comparison import WHERE, Comparison, side_of

FLOW = TIME_FLOW
LIST_PATH = "/rest/v1.0/companies/{company_id}/timecard_entries"
RESENT = "Procore's entry differs from the time card: sent again (Procore vs Trestle report)."


@dataclass
class Sent:
    """A time card and its link to the timecard entry Trestle sent for it."""

    entry: TimeCardEntry
    ref: ExternalRef

    @property
    def changed(self) -> bool:
        """The card changed since Trestle last wrote its entry."""
        return current_print(self.entry) != self.ref.fingerprint


@dataclass
class Listed:
    """Procore's entries by id and by origin_id; `whole` is False when one could not be read
    (then an entry not found is not known to be gone)."""

    by_id: dict[int, dict]
    by_origin: dict[str, dict]
    whole: bool = True

    def of(self, ref: ExternalRef) -> dict | None:
        if ref.procore_id is not None:
            return self.by_id.get(ref.procore_id)
        return self.by_origin.get(ref.origin_id)


def timesheets_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's sent time cards and their timecard entries."""
    result = Comparison()
    sent = _sent(office)
    if not sent:
        return result
    options = TimeOptions.of(sync_settings_for(office))
    listed = _entries_read(client, office, sent, result)
    projects = _procore_projects(office)
    for card in sent:
        record = listed.of(card.ref)
        if record is None:
            gone = listed.whole and card.ref.procore_id is not None
            if gone and _belongs(card.entry, options):
                result.differences.append(_missing(card, projects))
        elif not _belongs(card.entry, options):
            result.differences.append(_extra(card, record, options))
        else:
            result.differences += _hours_differences(card, record, result.unread)
    return result


def _sent(office: Office) -> list[Sent]:
    """Cards with a timecard entry in Procore, or whose create may have landed there."""
    refs = ExternalRef.objects.filter(
        Q(procore_id__isnull=False) | (Q(origin_id__gt="") & ~Q(state__in=GONE)),
        office=office,
        procore_type=TIMECARD_ENTRY,
        content_type=entry_content_type(),
    )
    by_card = {r.object_id: r for r in refs}
    cards = TimeCardEntry.objects.filter(pk__in=by_card, project__office=office).select_related(
        "project", "employee"
    )
    return [Sent(card, by_card[card.pk]) for card in cards.order_by("date", "project_id", "pk")]


def _belongs(entry: TimeCardEntry, options: TimeOptions) -> bool:
    sent_there = options.mode == TIMESHEETS
    return sent_there and entry.deleted_at is None and entry.status in options.statuses


def _entries_read(
    client: ProcoreClient, office: Office, sent: list[Sent], result: Comparison
) -> Listed:
    days = [card.entry.date for card in sent]
    params = {"start_date": min(days).isoformat(), "end_date": max(days).isoformat()}
    company_id = client.connection.company_id
    listed, count = Listed({}, {}), 0
    for count, record in enumerate(
        resources.company_timecard_entries(client, company_id=company_id, params=params), 1
    ):
        if isinstance(record, dict) and is_procore_id(record.get("id")):
            listed.by_id[record["id"]] = record
            if isinstance(record.get("origin_id"), str):
                listed.by_origin[record["origin_id"]] = record
        else:
            listed.whole = False
            result.unread.append(_unread(f"Timecard entry #{count} of Procore's list"))
    per_page = per_page_for(LIST_PATH.format(company_id=company_id))
    result.requests_min += max(-(-count // per_page), 1)
    return listed


def _unread(label: str) -> SyncItem:
    return SyncItem(
        entity="timecard_entry",
        direction="in",
        label=label,
        outcome=Outcome.FAILED,
        message="Procore's answer could not be read; its time cards were not compared.",
        fix="Run the report again.",
    )


def _procore_projects(office: Office) -> dict[int, int]:
    """{Trestle project pk: Procore project id} of the office's mapped projects."""
    links = ExternalRef.objects.filter(
        office=office,
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        procore_id__isnull=False,
    ).exclude(state=LinkState.UNLINKED)
    return dict(links.values_list("object_id", "procore_id"))


# --- the differences ---------------------------------------------------------------------------


def _hours_differences(card: Sent, record: dict, unread: list[SyncItem]) -> list[Difference]:
    held = _hours(record.get("hours"))
    if held is None:
        unread.append(_unread(f"Timecard entry {record['id']} ({entry_label(card.entry)})"))
        return []
    if held == card.entry.hours:
        return []
    side = side_of(card.changed, _procore_changed(card, held, record))
    trestle, procore = f"{card.entry.hours:.2f}", f"{held:.2f}"
    verb = "sent" if side == Side.PROCORE else "has"
    return [
        _difference(
            card, DiffField.HOURS, side, Repair.SEND_AGAIN, record,
            trestle=trestle, procore=procore,
            message=f"Procore's hours for {_who(card.entry)} are {procore}; Trestle {verb} "
            f"{trestle}; {WHERE[side]}.",
        )
    ]  # fmt: skip


def _procore_changed(card: Sent, held: Decimal, record: dict) -> bool:
    """Procore no longer holds what was sent: the card as sent with Procore's hours would not
    have the send's fingerprint. When the card itself changed since in more than its hours, that
    cannot tell, and Procore's own edit time after the send decides."""
    if _holds_sent(card, held):
        return False
    if not card.changed:
        return True
    edited = parse_datetime(str(record.get("updated_at") or ""))
    synced = card.ref.synced_at
    return edited is not None and synced is not None and edited > synced


def _holds_sent(card: Sent, held: Decimal) -> bool:
    as_sent = copy.copy(card.entry)
    as_sent.hours, as_sent.deleted_at = held, None
    for status in (EntryStatus.APPROVED, EntryStatus.SUBMITTED):
        as_sent.status = status
        if entry_fingerprint(as_sent) == card.ref.fingerprint:
            return True
    return False


def _missing(card: Sent, projects: dict[int, int]) -> Difference:
    hours = f"{card.entry.hours:.2f}"
    difference = _difference(
        card, DiffField.MISSING_RECORD, Side.PROCORE, Repair.SEND_AGAIN, None,
        trestle=hours, procore="missing",
        message=f"Procore no longer holds the timecard entry Trestle sent for "
        f"{_who(card.entry)}: Trestle {hours} h, Procore none; changed in Procore.",
    )  # fmt: skip
    difference.procore_project_id = projects.get(card.entry.project_id)
    return difference


def _extra(card: Sent, record: dict, options: TimeOptions) -> Difference:
    hours = _hours(record.get("hours"))
    held = f"{hours:.2f}" if hours is not None else str(record.get("hours"))[:20]
    why = _why_not_sent(card.entry, options)
    return _difference(
        card, DiffField.EXTRA_RECORD, Side.TRESTLE, Repair.WITHDRAW, record,
        trestle=why, procore=held,
        message=f"Procore still holds {held} h for {_who(card.entry)}; in Trestle the time card "
        f"{why}; changed in Trestle.",
    )  # fmt: skip


def _why_not_sent(entry: TimeCardEntry, options: TimeOptions) -> str:
    if entry.deleted_at is not None:
        return "was deleted"
    if entry.status == EntryStatus.REJECTED:
        return "was rejected"
    if options.mode != TIMESHEETS:
        return "goes to daily-log timecards now"
    return f"is {entry.get_status_display().lower()}, not {options.trigger}"


def _difference(
    card: Sent, kind: str, side: str, repair: str, record: dict | None, *, trestle: str,
    procore: str, message: str,
) -> Difference:  # fmt: skip
    entry = card.entry
    project = (record or {}).get("project")
    return Difference(
        office_id=card.ref.office_id,
        flow=FLOW,
        object_id=entry.pk,
        label=entry_label(entry),
        procore_project_id=project.get("id") if isinstance(project, dict) else None,
        procore_id=record["id"] if record else card.ref.procore_id,
        key=f"{entry.date.isoformat()}/p{entry.project_id}",
        field=kind,
        trestle_value=trestle,
        procore_value=procore,
        side=side,
        repair=repair,
        message=message,
    )


def _who(entry: TimeCardEntry) -> str:
    return f"{entry.employee} on {present.day(entry.date)} ({entry.project.number})"


def _hours(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return hours if hours.is_finite() else None
