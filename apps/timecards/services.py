"""Writes on time card entries: enter one (or a crew's day), edit, delete, submit, approve, reject.

Who may change what (views and the API pass `as_approver` from the "time.approve" policy):
- Draft and rejected entries are editable by anyone who may enter time. Editing a rejected entry
  makes it a draft again, to be submitted again (the audit log keeps the rejection).
- An approver may also edit a submitted entry (it stays submitted) or an approved one, which goes
  back to submitted: an approval covers the hours that were approved, not the edited ones.
- Deleting is soft (`deleted_at`), so the export can remove the entry's Procore twin; only an
  approver deletes a submitted or approved entry.

Every write recomputes the fingerprint, is audited, and sends `time_entries_changed` after commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import Account, User
from apps.core import present
from apps.projects.models import CostCode, Project, SubJob

from .dates import project_today
from .fingerprint import entry_fingerprint
from .models import (
    Crew,
    Employee,
    EntryStatus,
    TimeCardEntry,
    TimeType,
    WorkClassification,
)
from .signals import time_entries_changed

CENT = Decimal("0.01")
DAY_HOURS = Decimal("24")
FUTURE_DAYS = 1  # a foreman may enter tomorrow's planned day, no further
MAX_BULK = 500
EDITABLE_FIELDS = frozenset(
    {"employee", "date", "sub_job", "cost_code", "time_type", "work_classification", "crew"}
    | {"hours", "billable", "description"}
)
OPEN_STATUSES = (EntryStatus.DRAFT, EntryStatus.REJECTED)
OFFICE_RECORDS = ("employee", "sub_job", "cost_code", "time_type", "work_classification", "crew")


# Validation --------------------------------------------------------------------------------------


def clean_hours(hours) -> Decimal:
    """Hours as a Decimal with two places, more than 0 and at most 24."""
    try:
        value = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"hours": f"{hours!r} is not a number of hours."}) from exc
    if not value.is_finite() or value != value.quantize(CENT):
        raise ValidationError({"hours": "Hours take at most two decimals."})
    if not Decimal("0") < value <= DAY_HOURS:
        raise ValidationError({"hours": "Hours must be more than 0 and at most 24."})
    return value.quantize(CENT)


def check_date(project: Project, day: Date) -> None:
    latest = project_today(project) + timedelta(days=FUTURE_DAYS)
    if day > latest:
        raise ValidationError(
            {"date": f"The date can be at most {latest} (tomorrow at the project)."}
        )


def _check_office(entry: TimeCardEntry) -> None:
    office_id = entry.project.office_id
    for name in OFFICE_RECORDS:
        record = getattr(entry, name)
        if record is not None and record.office_id != office_id:
            label = name.replace("_", " ")
            raise ValidationError(
                {name: f"That {label} belongs to another office than the project."}
            )
    if entry.sub_job is not None and entry.sub_job.project_id != entry.project_id:
        sub_job = entry.sub_job
        raise ValidationError(
            {
                "sub_job": f"Sub-job {sub_job.full_code} belongs to another project than "
                f"{entry.project}: choose one of {entry.project}'s sub-jobs."
            }
        )


def _check_day_total(entry: TimeCardEntry) -> None:
    """At most 24 hours per employee and date, across projects. The employee row is locked, so
    two requests entering the same person's day one after the other see each other's hours."""
    Employee.objects.select_for_update().filter(pk=entry.employee_id).first()
    others = TimeCardEntry.objects.filter(
        employee_id=entry.employee_id, date=entry.date, deleted_at__isnull=True
    ).exclude(pk=entry.pk)
    total = (others.aggregate(h=Sum("hours"))["h"] or Decimal("0")) + entry.hours
    if total > DAY_HOURS:
        on = present.day(entry.date)
        raise ValidationError(
            {"hours": f"{entry.employee} would have {total} hours on {on}; at most 24."}
        )


def _validate(entry: TimeCardEntry) -> None:
    entry.hours = clean_hours(entry.hours)
    _check_office(entry)
    check_date(entry.project, entry.date)
    _check_day_total(entry)


# Helpers -----------------------------------------------------------------------------------------


def _account(project: Project) -> Account:
    return project.office.account


def _notify(account: Account, entry_ids: Iterable[int], action: str) -> None:
    """Tell listeners (the Procore export) once the write is committed, with ids only."""
    ids = list(entry_ids)
    transaction.on_commit(
        lambda: time_entries_changed.send(
            sender=TimeCardEntry, account=account, entry_ids=ids, action=action
        )
    )


def _save(entry: TimeCardEntry) -> TimeCardEntry:
    entry.fingerprint = entry_fingerprint(entry)
    entry.save()
    return entry


def _locked(entry: TimeCardEntry) -> TimeCardEntry:
    """The entry's current row, locked: its status may have moved since the caller read it."""
    return (
        TimeCardEntry.objects.select_for_update(of=("self",))
        .select_related("project__office__account", "employee")
        .get(pk=entry.pk)
    )


def _check_changeable(entry: TimeCardEntry, as_approver: bool, verb: str) -> None:
    if entry.deleted_at is not None:
        raise ValidationError("This entry was deleted.")
    if entry.status not in OPEN_STATUSES and not as_approver:
        raise ValidationError(
            f"A {entry.get_status_display().lower()} entry can only be {verb} by an approver."
        )


def _new_entry(*, project: Project, employee: Employee, user: User, **fields) -> TimeCardEntry:
    if not project.active:
        raise ValidationError({"project": "This project is inactive."})
    if not employee.active:
        raise ValidationError({"employee": f"{employee} is inactive."})
    if fields.get("work_classification") is None:
        fields["work_classification"] = employee.work_classification
    entry = TimeCardEntry(project=project, employee=employee, created_by=user, **fields)
    _validate(entry)
    return _save(entry)


# Entries -----------------------------------------------------------------------------------------


@transaction.atomic
def entry_create(
    *,
    project: Project,
    employee: Employee,
    date: Date,
    hours: Decimal,
    user: User,
    sub_job: SubJob | None = None,
    cost_code: CostCode | None = None,
    time_type: TimeType | None = None,
    work_classification: WorkClassification | None = None,
    crew: Crew | None = None,
    billable: bool = True,
    description: str = "",
) -> TimeCardEntry:
    """A draft entry. Without a work classification, the employee's own is used."""
    entry = _new_entry(
        project=project,
        employee=employee,
        user=user,
        date=date,
        hours=hours,
        sub_job=sub_job,
        cost_code=cost_code,
        time_type=time_type,
        work_classification=work_classification,
        crew=crew,
        billable=billable,
        description=description,
    )
    account = _account(project)
    audit_record(account=account, actor=user, action="time_entry.created", target=entry)
    _notify(account, [entry.pk], "updated")
    return entry


@transaction.atomic
def entry_update(
    *, entry: TimeCardEntry, user: User, as_approver: bool = False, **changes
) -> TimeCardEntry:
    """Change the fields in `changes` (names of EDITABLE_FIELDS); the project never changes.

    Returns the saved entry (a fresh instance). An edit that changes nothing saves nothing.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    entry = _locked(entry)
    _check_changeable(entry, as_approver, "changed")
    before = entry_fingerprint(entry)
    for name, value in changes.items():
        setattr(entry, name, value)
    _validate(entry)
    if entry_fingerprint(entry) == before:
        return entry
    previous = entry.status
    _reopen(entry)
    _save(entry)
    account = _account(entry.project)
    detail = {"from": previous, "to": entry.status, "fields": sorted(changes)}
    audit_record(
        account=account, actor=user, action="time_entry.updated", target=entry, detail=detail
    )
    _notify(account, [entry.pk], "updated")
    return entry


def _reopen(entry: TimeCardEntry) -> None:
    """After an edit: rejected -> draft (to submit again), approved -> submitted (to approve)."""
    if entry.status == EntryStatus.REJECTED:
        entry.status, entry.rejection_reason = EntryStatus.DRAFT, ""
        entry.decided_by = entry.decided_at = None
    elif entry.status == EntryStatus.APPROVED:
        entry.status, entry.submitted_at = EntryStatus.SUBMITTED, timezone.now()
        entry.decided_by = entry.decided_at = None


@transaction.atomic
def entry_delete(*, entry: TimeCardEntry, user: User, as_approver: bool = False) -> None:
    """Soft delete: the row stays (marked) until the export has removed its Procore twin."""
    entry = _locked(entry)
    _check_changeable(entry, as_approver, "deleted")
    entry.deleted_at = timezone.now()
    _save(entry)
    account = _account(entry.project)
    audit_record(account=account, actor=user, action="time_entry.deleted", target=entry)
    _notify(account, [entry.pk], "deleted")


# Statuses ----------------------------------------------------------------------------------------


def _chosen(account: Account, entry_ids: Iterable[int], allowed: tuple, verb: str) -> list:
    """The chosen live entries of `account`, locked in id order; all of them, or an error."""
    try:
        ids = list(dict.fromkeys(int(pk) for pk in entry_ids))
    except (TypeError, ValueError) as exc:
        raise ValidationError("Entry ids are whole numbers.") from exc
    if not ids:
        raise ValidationError("Choose at least one entry.")
    if len(ids) > MAX_BULK:
        raise ValidationError(f"Choose at most {MAX_BULK} entries at a time.")
    entries = list(
        TimeCardEntry.objects.for_account(account)
        .filter(pk__in=ids, deleted_at__isnull=True)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    missing = sorted(set(ids) - {e.pk for e in entries})
    if missing:
        raise ValidationError(f"These entries do not exist: {', '.join(map(str, missing))}.")
    wrong = sorted({e.status for e in entries if e.status not in allowed})
    if wrong:
        raise ValidationError(
            f"Only {_names(allowed)} entries can be {verb}; some are {_names(wrong)}."
        )
    return entries


def _names(statuses: Iterable[str]) -> str:
    return " or ".join(EntryStatus(s).label.lower() for s in statuses)


def _set_status(entries: list, user: User, account: Account, action: str, **fields) -> list:
    now = timezone.now()
    for entry in entries:
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.updated_at = now  # bulk_update skips auto_now
        entry.fingerprint = entry_fingerprint(entry)
    names = [*fields, "updated_at", "fingerprint"]
    TimeCardEntry.objects.bulk_update(entries, names)
    ids = [entry.pk for entry in entries]
    audit_record(
        account=account,
        actor=user,
        action=f"time_entry.{action}",
        detail={"entries": ids, "count": len(ids)},
    )
    _notify(account, ids, action)
    return entries


@transaction.atomic
def entry_submit(*, account: Account, entry_ids: Iterable[int], user: User) -> list:
    """Draft or rejected entries go to the approvers."""
    entries = _chosen(account, entry_ids, OPEN_STATUSES, "submitted")
    return _set_status(
        entries,
        user,
        account,
        "submitted",
        status=EntryStatus.SUBMITTED,
        submitted_at=timezone.now(),
        decided_by=None,
        decided_at=None,
        rejection_reason="",
    )


@transaction.atomic
def entry_approve(*, account: Account, entry_ids: Iterable[int], user: User) -> list:
    entries = _chosen(account, entry_ids, (EntryStatus.SUBMITTED,), "approved")
    return _set_status(
        entries,
        user,
        account,
        "approved",
        status=EntryStatus.APPROVED,
        decided_by=user,
        decided_at=timezone.now(),
        rejection_reason="",
    )


@transaction.atomic
def entry_reject(*, account: Account, entry_ids: Iterable[int], user: User, reason: str) -> list:
    """Back to the person who entered it, with the reason; they edit and submit again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for the rejection."})
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason to 300 characters."})
    entries = _chosen(account, entry_ids, (EntryStatus.SUBMITTED,), "rejected")
    return _set_status(
        entries,
        user,
        account,
        "rejected",
        status=EntryStatus.REJECTED,
        decided_by=user,
        decided_at=timezone.now(),
        rejection_reason=reason,
    )


# Crews -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrewLine:
    """One member's hours on a crew day; a cost code or time type left None is the day's."""

    employee: Employee
    hours: Decimal
    cost_code: CostCode | None = None
    time_type: TimeType | None = None


def _crew_lines(crew: Crew, lines: list[CrewLine] | None, hours: Decimal | None) -> list:
    members = {m.pk: m for m in crew.members.filter(active=True)}
    if lines is None:
        if hours is None:
            raise ValidationError({"hours": "Give the hours, the same for all, or per member."})
        lines = [CrewLine(employee=member, hours=hours) for member in members.values()]
    if not lines:
        raise ValidationError("Give hours for at least one member of the crew.")
    strangers = [str(line.employee) for line in lines if line.employee.pk not in members]
    if strangers:
        raise ValidationError(f"Not active members of {crew}: {', '.join(strangers)}.")
    if len({line.employee.pk for line in lines}) != len(lines):
        raise ValidationError("Give each member's hours once.")
    return sorted(lines, key=lambda line: line.employee.pk)  # lock employees in one order


@transaction.atomic
def crew_day_enter(
    *,
    crew: Crew,
    project: Project,
    date: Date,
    user: User,
    lines: list[CrewLine] | None = None,
    hours: Decimal | None = None,
    sub_job: SubJob | None = None,
    cost_code: CostCode | None = None,
    time_type: TimeType | None = None,
    billable: bool = True,
    description: str = "",
) -> list[TimeCardEntry]:
    """One draft entry per member, all or none: `lines` per member, or `hours` for every active
    member. Each entry is validated like `entry_create` (an error names the member)."""
    if crew.office_id != project.office_id:
        raise ValidationError({"crew": "That crew belongs to another office than the project."})
    entries = []
    for line in _crew_lines(crew, lines, hours):
        try:
            entries.append(
                _new_entry(
                    project=project,
                    employee=line.employee,
                    user=user,
                    date=date,
                    hours=line.hours,
                    sub_job=sub_job,
                    cost_code=line.cost_code or cost_code,
                    time_type=line.time_type or time_type,
                    crew=crew,
                    billable=billable,
                    description=description,
                )
            )
        except ValidationError as exc:
            raise ValidationError(f"{line.employee}: {' '.join(exc.messages)}") from exc
    account = _account(project)
    ids = [entry.pk for entry in entries]
    audit_record(
        account=account,
        actor=user,
        action="time_entry.crew_day_entered",
        target=crew,
        detail={"project": project.pk, "date": date.isoformat(), "entries": ids},
    )
    _notify(account, ids, "updated")
    return entries
