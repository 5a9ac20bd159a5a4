"""The weekly timesheet's save: hours typed into the grid become entry writes, all or none.

A cell holds the hours of one line of work (project, sub-job, cost code, time type) on one day.
An empty cell with hours creates a draft; a cell of one draft or rejected entry changes its hours,
or deletes it when emptied. Any other cell (several entries, or submitted or approved) is shown
read-only and cannot be changed from the grid.
"""

from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import Account, User
from apps.projects.models import CostCode, Project, SubJob

from . import services
from .models import Employee, TimeType
from .selectors import Cell, row_key, week_grid


@dataclass(frozen=True)
class Line:
    project: Project
    sub_job: SubJob | None = None
    cost_code: CostCode | None = None
    time_type: TimeType | None = None

    @property
    def key(self) -> str:
        ids = (self.sub_job, self.cost_code, self.time_type)
        return row_key(self.project.pk, *(record.pk if record else None for record in ids))


@dataclass(frozen=True)
class CellChange:
    line: Line
    day: Date
    hours: Decimal | None  # None: the cell was emptied


def _apply(cell: Cell, change: CellChange, employee: Employee, user: User) -> bool:
    """Write one cell; False when it already holds those hours."""
    if (change.hours or Decimal("0")) == cell.hours:
        return False
    if not cell.editable:
        raise ValidationError(
            f"{change.day:%a %d %b}: those hours are {', '.join(cell.statuses)} and cannot be "
            "changed in the grid."
        )
    if cell.entries and change.hours is None:
        services.entry_delete(entry=cell.entries[0], user=user)
    elif cell.entries:
        services.entry_update(entry=cell.entries[0], user=user, hours=change.hours)
    else:
        line = change.line
        services.entry_create(
            project=line.project,
            employee=employee,
            date=change.day,
            hours=change.hours,
            user=user,
            sub_job=line.sub_job,
            cost_code=line.cost_code,
            time_type=line.time_type,
        )
    return True


@transaction.atomic
def timesheet_save(
    *, account: Account, employee: Employee, monday: Date, changes: list[CellChange], user: User
) -> int:
    """Apply the typed hours of the week from `monday`; returns how many cells changed.

    Emptied cells go first, then lowered hours, so moving hours between lines of one day never
    trips the 24-hour cap half way.
    """
    week = week_grid(account=account, employee=employee, monday=monday)
    rows = {row.key: row for row in week.rows}

    def cell_of(change: CellChange) -> Cell:
        row = rows.get(change.line.key)
        return row.cells[week.days.index(change.day)] if row else Cell(day=change.day)

    def order(change: CellChange) -> tuple:
        return (change.hours is not None, (change.hours or 0) - cell_of(change).hours)

    return sum(_apply(cell_of(c), c, employee, user) for c in sorted(changes, key=order))
