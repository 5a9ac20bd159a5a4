"""What Procore holds that a time export needs, read fresh for each run (cached a minute for the
Export now page): the company's people, and per project its cost codes and closed days.

- People (procore-api.md §5): a timecard's `party_id` is a person, while Trestle links employees
  to company users; a person names its user in `user_id` (else we match the employee ID).
- Cost codes (§6) are project-level in Procore (billed to the project or to a sub job), each with
  its cost types; timecards need one whose `base_type` is labor.
- Closed days: days whose project timesheet (§9.2) is approved. The reference does not say that
  Procore locks them; it is the rule we keep (and the sandbox enforces), see
  apps/procore_sandbox/time_rules.py.
"""

from dataclasses import dataclass

from django.core.cache import cache

from ..client import resources
from ..client.http import ProcoreClient
from ..models import ProcoreConnection

CACHE_SECONDS = 60
LABOR = "labor"


@dataclass(frozen=True)
class CostCodeTarget:
    id: int
    full_code: str
    standard_id: int | None
    sub_job_id: int | None  # the Procore sub job it is billed to; None: the project
    labor_type_id: int | None  # its first cost type of base type labor


@dataclass(frozen=True)
class ProjectCatalog:
    project_id: int
    cost_codes: tuple[CostCodeTarget, ...]
    closed_days: frozenset[str]

    def cost_code(
        self, code: str, standard_id: int | None, sub_job_id: int | None
    ) -> CostCodeTarget | None:
        """The project's cost code for `code`: the sub job's own if it has one, else the
        project's (matched by the standard code it came from, else by its full code)."""
        matches = [
            c
            for c in self.cost_codes
            if (standard_id is not None and c.standard_id == standard_id) or c.full_code == code
        ]
        own = next((c for c in matches if sub_job_id and c.sub_job_id == sub_job_id), None)
        return own or next((c for c in matches if c.sub_job_id is None), None)


@dataclass(frozen=True)
class People:
    by_user: dict[int, int]  # Procore company user id -> person (party) id
    by_employee_id: dict[str, int]

    def party_of(self, user_id: int | None, employee_id: str) -> int | None:
        if user_id is not None and user_id in self.by_user:
            return self.by_user[user_id]
        return self.by_employee_id.get(employee_id) if employee_id else None


def people_for(connection: ProcoreConnection, *, fresh: bool = False) -> People:
    key = f"procore-time-people:{connection.pk}:{connection.company_id}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = _people(ProcoreClient(connection), connection.company_id)
        cache.set(key, found, CACHE_SECONDS)
    return found


def project_catalog(
    connection: ProcoreConnection, project_id: int, *, fresh: bool = False
) -> ProjectCatalog:
    key = f"procore-time-catalog:{connection.pk}:{project_id}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = _project(ProcoreClient(connection), project_id)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _people(client: ProcoreClient, company_id: int) -> People:
    by_user, by_employee_id = {}, {}
    for person in resources.company_people(client, company_id=company_id):
        if not isinstance(person, dict) or not isinstance(person.get("id"), int):
            continue
        if isinstance(person.get("user_id"), int):
            by_user[person["user_id"]] = person["id"]
        if person.get("employee_id"):
            by_employee_id.setdefault(str(person["employee_id"]), person["id"])
    return People(by_user, by_employee_id)


def _project(client: ProcoreClient, project_id: int) -> ProjectCatalog:
    codes = tuple(
        _cost_code(c)
        for c in resources.cost_codes(client, project_id=project_id)
        if isinstance(c, dict) and isinstance(c.get("id"), int)
    )
    closed = frozenset(
        str(t.get("date"))
        for t in resources.timesheets(client, project_id=project_id)
        if isinstance(t, dict) and str(t.get("status") or "").lower() == "approved"
    )
    return ProjectCatalog(project_id, codes, closed)


def _cost_code(record: dict) -> CostCodeTarget:
    types = record.get("line_item_types") if isinstance(record.get("line_item_types"), list) else []
    labor = next(
        (
            t["id"]
            for t in types
            if isinstance(t, dict) and t.get("base_type") == LABOR and isinstance(t.get("id"), int)
        ),
        None,
    )
    by_sub_job = record.get("biller_type") == "SubJob" and isinstance(record.get("biller_id"), int)
    standard = record.get("standard_cost_code_id")
    return CostCodeTarget(
        id=record["id"],
        full_code=str(record.get("full_code") or record.get("code") or ""),
        standard_id=standard if isinstance(standard, int) else None,
        sub_job_id=record["biller_id"] if by_sub_job else None,
        labor_type_id=labor,
    )
