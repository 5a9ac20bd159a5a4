"""Everything checked before a time card is sent, each problem with the fix to try.

A problem stops that time card only (or that daily-log row): the rest of the export goes. The
Export now page shows the same checks before anything is sent, and the run checks again
(Procore may have changed meanwhile), recording each refusal on the time card.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from apps.core import present
from apps.offices.models import Office
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.models import Crew, Employee, TimeCardEntry, TimeType, WorkClassification

from ..client.errors import NotFound, PermissionDenied
from ..engine_models import ExternalRef, LinkState
from ..models import ProcoreConnection
from .catalog import CostCodeTarget, People, ProjectCatalog, people_for, project_catalog

LINKS = {  # what Trestle record links to which Procore type (see entities.py)
    "project": (Project, "project"),
    "employee": (Employee, "company_user"),
    "sub_job": (SubJob, "sub_job"),
    "cost_code": (CostCode, "standard_cost_code"),
    "time_type": (TimeType, "timecard_time_type"),
    "work_classification": (WorkClassification, "work_classification"),
    "crew": (Crew, "crew"),
}
MAP_PROJECT = "Map it in Project > Advanced Settings > Procore."
LINK_EMPLOYEE = (
    "Import or link the employee (Settings > Procore, employees), and make sure Procore's "
    "Directory lists them as a person."
)


@dataclass(frozen=True)
class Problem:
    message: str
    fix: str

    @property
    def text(self) -> str:
        return f"{self.message} {self.fix}"


def problems_text(problems: Iterable[Problem]) -> tuple[str, str]:
    """(messages, fixes) joined, each fix once."""
    problems = list(problems)
    fixes = dict.fromkeys(p.fix for p in problems)
    return " ".join(p.message for p in problems), " ".join(fixes)


@dataclass
class Targets:
    """Trestle ids -> Procore ids for one office's export, and Procore's catalogs, read once."""

    office: Office
    connection: ProcoreConnection
    fresh: bool = True
    links: dict[tuple[str, int], int] = field(default_factory=dict)
    standards: dict[int, int] = field(default_factory=dict)  # cost code pk -> standard code id
    catalogs: dict[int, ProjectCatalog | Problem] = field(default_factory=dict)
    people: People | None = None

    def load(
        self,
        entries: Iterable[TimeCardEntry],
        cost_codes: Iterable[CostCode] = (),
        projects: Iterable[int] = (),
    ) -> None:
        """Every link the entries (quantities' cost codes, projects) need: one query, one people
        list, and two lists per Procore project."""
        entries = list(entries)
        wanted: dict[str, set[int]] = {name: set() for name in LINKS}
        for entry in entries:
            for name in LINKS:
                if (value := getattr(entry, f"{name}_id", None)) is not None:
                    wanted[name].add(value)
        wanted["cost_code"] |= {c.pk for c in cost_codes}
        wanted["project"] |= set(projects)
        self._load_links(wanted)
        if entries and self.people is None:
            self.people = people_for(self.connection, fresh=self.fresh)
        for project_pk in wanted["project"]:
            self.catalog(self.project_id(project_pk))

    def _load_links(self, wanted: dict[str, set[int]]) -> None:
        query = Q()
        for name, ids in wanted.items():
            missing = {i for i in ids if (LINKS[name][1], i) not in self.links}
            if missing:
                content_type = ContentType.objects.get_for_model(LINKS[name][0])
                query |= Q(
                    procore_type=LINKS[name][1], content_type=content_type, object_id__in=missing
                )
        if not query:
            return
        rows = (
            ExternalRef.objects.filter(query, office=self.office, procore_id__isnull=False)
            .exclude(state__in=(LinkState.UNLINKED, LinkState.ORPHANED))
            .values_list("procore_type", "object_id", "procore_id")
        )
        for procore_type, object_id, procore_id in rows:
            self.links[procore_type, object_id] = procore_id

    def linked(self, name: str, pk: int | None) -> int | None:
        return None if pk is None else self.links.get((LINKS[name][1], pk))

    def project_id(self, project_pk: int) -> int | None:
        return self.linked("project", project_pk)

    def catalog(self, project_id: int | None) -> ProjectCatalog | Problem | None:
        if project_id is None:
            return None
        if project_id not in self.catalogs:
            try:
                found = project_catalog(self.connection, project_id, fresh=self.fresh)
            except (NotFound, PermissionDenied) as exc:
                found = Problem(
                    f"Procore refused to show the project's cost codes or timesheets: "
                    f"{exc.message}",
                    "Check that the Procore project exists and that the connected user may "
                    "use its Timesheets and Admin tools.",
                )
            self.catalogs[project_id] = found
        return self.catalogs[project_id]

    def party(self, employee: Employee) -> int | None:
        user_id = self.linked("employee", employee.pk)
        if self.people is None or user_id is None:
            return None
        return self.people.party_of(user_id, employee.employee_id)

    def cost_code(
        self, catalog: ProjectCatalog, cost_code: CostCode, sub_job_id: int | None
    ) -> CostCodeTarget | None:
        standard = self.linked("cost_code", cost_code.pk)
        return catalog.cost_code(cost_code.code, standard, sub_job_id)

    def crew_id(self, crew: Crew | None, project_pk: int) -> int | None:
        """A Procore crew is project-level: only a crew of this project goes along."""
        if crew is None or crew.project_id != project_pk:
            return None
        return self.linked("crew", crew.pk)


# --- checks ---------------------------------------------------------------------------------


def where_problems(targets: Targets, project: Project) -> tuple[ProjectCatalog | None, list]:
    """The Procore project's catalog, or why time cannot go to it at all."""
    project_id = targets.project_id(project.pk)
    if project_id is None:
        return None, [
            Problem(f"Project {project} is not mapped to a Procore project.", MAP_PROJECT)
        ]
    catalog = targets.catalog(project_id)
    if isinstance(catalog, Problem):
        return None, [catalog]
    return catalog, []


def closed_problem(catalog: ProjectCatalog, day) -> Problem | None:
    if day.isoformat() not in catalog.closed_days:
        return None
    return Problem(
        f"{present.day(day)} is closed in Procore: that day's timesheet is approved.",
        "Ask a Procore admin to set the day's timesheet back to pending, then export again.",
    )


def cost_code_problems(
    targets: Targets,
    catalog: ProjectCatalog,
    cost_code: CostCode | None,
    sub_job_id: int | None,
    *,
    labor: bool = True,
) -> tuple[CostCodeTarget | None, list[Problem]]:
    """The project's cost code for `cost_code`; time needs one with a labor cost type (§6)."""
    if cost_code is None:
        return None, []
    target = targets.cost_code(catalog, cost_code, sub_job_id)
    if target is None:
        return None, [
            Problem(
                f"Cost code {cost_code.code} is not in the Procore project.",
                f"Add {cost_code.code} to the project's cost codes in Procore (Admin), or "
                "choose another cost code.",
            )
        ]
    if labor and target.labor_type_id is None:
        return target, [
            Problem(
                f"Cost code {cost_code.code} has no labor cost type in Procore.",
                f"Give {cost_code.code} a Labor cost type (line item type) in the Procore "
                "project, then export again.",
            )
        ]
    return target, []


def entry_problems(
    targets: Targets, entry: TimeCardEntry, *, time_type: bool = True
) -> list[Problem]:
    """Why `entry` cannot be sent as it is (an empty list: it can). Daily-log timecards sum a
    day's cards whatever their time type, so `time_type=False` leaves that check out."""
    catalog, problems = where_problems(targets, entry.project)
    if catalog is None:
        return problems
    if targets.party(entry.employee) is None:
        problems.append(
            Problem(f"Employee {entry.employee} is not linked to a Procore person.", LINK_EMPLOYEE)
        )
    sub_job_id = targets.linked("sub_job", entry.sub_job_id)
    if entry.sub_job_id is not None and sub_job_id is None:
        problems.append(
            Problem(
                f"Sub-job {entry.sub_job.code} is not in Procore.",
                "Sync sub-jobs to Procore (Settings > Procore) or clear it on the time card.",
            )
        )
    problems += cost_code_problems(targets, catalog, entry.cost_code, sub_job_id)[1]
    unlinked = targets.linked("time_type", entry.time_type_id) is None
    if time_type and entry.time_type_id is not None and unlinked:
        problems.append(
            Problem(
                f"Time type {entry.time_type} is not linked to a Procore time type.",
                "Import timecard time types (Settings > Procore) or choose another time type.",
            )
        )
    if closed := closed_problem(catalog, entry.date):
        problems.append(closed)
    return problems


def removal_problems(targets: Targets, entry: TimeCardEntry) -> list[Problem]:
    catalog, problems = where_problems(targets, entry.project)
    if catalog is not None and (closed := closed_problem(catalog, entry.date)):
        problems.append(closed)
    return problems


# --- what is sent ---------------------------------------------------------------------------


def entry_fields(targets: Targets, entry: TimeCardEntry, *, approved: bool) -> dict:
    """The Procore timecard entry for a checked `entry` (procore-api.md §9.1): every field,
    empty ones as null, so an update clears what the time card no longer has."""
    project_id = targets.project_id(entry.project_id)
    catalog = targets.catalog(project_id)
    sub_job_id = targets.linked("sub_job", entry.sub_job_id)
    code = targets.cost_code(catalog, entry.cost_code, sub_job_id) if entry.cost_code else None
    return {
        "date": entry.date.isoformat(),
        "hours": hours_text(entry.hours),
        "party_id": targets.party(entry.employee),
        "sub_job_id": sub_job_id,
        "cost_code_id": code.id if code else None,
        "line_item_type_id": code.labor_type_id if code else None,
        "timecard_time_type_id": targets.linked("time_type", entry.time_type_id),
        "work_classification_id": targets.linked(
            "work_classification", entry.work_classification_id
        ),
        "crew_id": targets.crew_id(entry.crew, entry.project_id),
        "billable": entry.billable,
        "description": entry.description,
        "approval_status": "approved" if approved else "pending",
    }


def hours_text(hours: Decimal) -> str:
    return f"{Decimal(hours):.2f}"
