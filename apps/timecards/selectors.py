"""Reads on time card entries and quantities: filtered lists and an employee's week."""

from dataclasses import dataclass, field
from datetime import date as Date
from decimal import Decimal

from django.db.models import QuerySet

from apps.accounts.models import Account, User

from .dates import week_days
from .models import Employee, EntryStatus, ProductionQuantity, TimeCardEntry

ZERO = Decimal("0.00")
EDITABLE_IN_GRID = (EntryStatus.DRAFT, EntryStatus.REJECTED)
RELATED = ("project", "employee", "sub_job__project", "cost_code", "time_type")
RELATED += ("work_classification", "crew", "decided_by")


def live_entries(account: Account) -> QuerySet[TimeCardEntry]:
    """The account's entries that are not deleted (a deleted one waits only for the export)."""
    return TimeCardEntry.objects.for_account(account).filter(deleted_at__isnull=True)


def entry_list(
    *,
    account: Account,
    project_id: int | None = None,
    employee_id: int | None = None,
    crew_id: int | None = None,
    status: str = "",
    date_from: Date | None = None,
    date_to: Date | None = None,
) -> QuerySet[TimeCardEntry]:
    entries = live_entries(account).select_related(*RELATED)
    filters = {
        "project_id": project_id,
        "employee_id": employee_id,
        "crew_id": crew_id,
        "status": status or None,
        "date__gte": date_from,
        "date__lte": date_to,
    }
    return entries.filter(**{k: v for k, v in filters.items() if v is not None})


def employee_for_user(account: Account, user: User) -> Employee | None:
    """The employee record whose email is the user's, so a field user lands on their own week."""
    employees = Employee.objects.for_account(account).filter(active=True)
    return employees.filter(email__iexact=user.email).first() or employees.first()


def quantity_list(
    *,
    account: Account,
    project_id: int | None = None,
    date_from: Date | None = None,
    date_to: Date | None = None,
) -> QuerySet[ProductionQuantity]:
    quantities = ProductionQuantity.objects.for_account(account).select_related(
        "project", "cost_code"
    )
    filters = {"project_id": project_id, "date__gte": date_from, "date__lte": date_to}
    return quantities.filter(**{k: v for k, v in filters.items() if v is not None})


# The weekly timesheet ----------------------------------------------------------------------------


@dataclass
class Cell:
    day: Date
    entries: list[TimeCardEntry] = field(default_factory=list)
    typed: str | None = None  # what was typed, shown again when the save was refused

    @property
    def hours(self) -> Decimal:
        return sum((entry.hours for entry in self.entries), ZERO)

    @property
    def editable(self) -> bool:
        """Empty, or one draft or rejected entry: typing hours changes that one entry."""
        return not self.entries or (
            len(self.entries) == 1 and self.entries[0].status in EDITABLE_IN_GRID
        )

    @property
    def statuses(self) -> list[str]:
        return sorted({entry.status for entry in self.entries})


@dataclass
class Row:
    """One line of the week: a project, sub-job, cost code and time type."""

    key: str
    sample: TimeCardEntry
    cells: list[Cell]

    @property
    def total(self) -> Decimal:
        return sum((cell.hours for cell in self.cells), ZERO)


@dataclass
class Week:
    employee: Employee
    days: list[Date]
    rows: list[Row]

    @property
    def day_totals(self) -> list[Decimal]:
        return [sum((row.cells[n].hours for row in self.rows), ZERO) for n in range(7)]

    @property
    def total(self) -> Decimal:
        return sum(self.day_totals, ZERO)

    @property
    def open_entry_ids(self) -> list[int]:
        """Draft and rejected entries of the week: what "Submit week" sends."""
        return [
            entry.pk
            for row in self.rows
            for cell in row.cells
            for entry in cell.entries
            if entry.status in EDITABLE_IN_GRID
        ]


def row_key(project_id: int, sub_job_id, cost_code_id, time_type_id) -> str:
    return ".".join(str(n or 0) for n in (project_id, sub_job_id, cost_code_id, time_type_id))


def week_grid(*, account: Account, employee: Employee, monday: Date) -> Week:
    """The employee's week from `monday`: one row per line of work, one cell per day."""
    days = week_days(monday)
    entries = live_entries(account).filter(employee=employee, date__range=(days[0], days[-1]))
    rows: dict[str, Row] = {}
    for entry in entries.select_related(*RELATED).order_by("project__number", "pk"):
        key = row_key(entry.project_id, entry.sub_job_id, entry.cost_code_id, entry.time_type_id)
        if key not in rows:
            rows[key] = Row(key=key, sample=entry, cells=[Cell(day=day) for day in days])
        rows[key].cells[days.index(entry.date)].entries.append(entry)
    return Week(employee=employee, days=days, rows=list(rows.values()))
