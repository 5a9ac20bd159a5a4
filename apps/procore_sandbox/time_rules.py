"""Time and daily-log rules the generic record store does not know (procore-api.md §9).

- Timecard `hours`: "Must be numeric with a maximum of 24 hours per entry" (OAS of the v1.1 bulk
  create); anything else is a 422 on any timecard endpoint.
- A closed day. The reference says nothing of Procore locking a day's time, so the sandbox keeps
  the smallest rule it can justify from §9.2: a project day whose timesheet is approved is
  closed, and creating, changing or deleting a timecard entry on it is a 422. Trestle checks the
  same thing before it sends (its pre-flight), so the two agree.
- Manpower logs answer `man_hours` = num_workers x num_hours (§9.3 response field).
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from .http import ApiError
from .models import SandboxCompany, SandboxRecord

TIMECARDS = "timecard_entries"
MAX_HOURS = Decimal(24)


def check_timecard(
    company: SandboxCompany,
    project_id: int | None,
    changes: dict[str, Any],
    record: SandboxRecord | None = None,
) -> None:
    errors = {}
    if changes.get("hours") not in (None, ""):
        hours = _decimal(changes["hours"])
        if hours is None or not 0 <= hours <= MAX_HOURS:
            errors["hours"] = ["must be a number of hours from 0 to 24"]
    days = {str(changes["date"])} if changes.get("date") else set()
    if record is not None and record.data.get("date"):
        days.add(str(record.data["date"]))
    closed = sorted(day for day in days if project_id and day_is_closed(company, project_id, day))
    if closed:
        errors["date"] = [f"{day} is in an approved timesheet" for day in closed]
    if errors:
        raise ApiError(422, "Validation failed", errors)


def day_is_closed(company: SandboxCompany, project_id: int, day: str) -> bool:
    return SandboxRecord.objects.filter(
        company=company,
        resource="timesheets",
        project_id=project_id,
        deleted_at=None,
        data__date=day,
        data__status="approved",
    ).exists()


def derived(resource: str, data: dict[str, Any]) -> dict[str, Any]:
    """Fields the sandbox computes from the record's own (`data` is the whole record)."""
    if resource != "manpower_logs":
        return {}
    workers, hours = _decimal(data.get("num_workers")), _decimal(data.get("num_hours"))
    if workers is None or hours is None:
        return {"man_hours": None}
    return {"man_hours": str(workers * hours)}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
