"""The entities Trestle syncs with Procore, in the order they must be imported.

Each entry names the local model, the pure mapping functions, where Procore keeps the records
and how related records are found (`*_procore_id` keys of the mapped fields, resolved through
ExternalRef to the local record's foreign key).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from apps.ap_invoices.models import Vendor
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.models import Crew, Employee, TimeType, WorkClassification

from .mapping import people, projects, vendors


@dataclass(frozen=True)
class Batch:
    """One page of Procore records, with what mapping them needs (a parent, the divisions)."""

    records: list[dict[str, Any]]
    parents: dict[int, int] = field(default_factory=dict)  # Procore id -> local parent pk
    context: dict[str, Any] = field(default_factory=dict)

    def parent_of(self, procore_id: int) -> int | None:
        return self.parents.get(procore_id)


@dataclass(frozen=True)
class Entity:
    name: str
    label: str
    procore_type: str
    model: type[models.Model]
    fields: tuple[str, ...]
    map_in: Callable[[dict, Batch], dict | None]
    natural_key: str | None = None  # local field that finds an unlinked twin before creating
    relations: dict[str, tuple[str, str]] = field(default_factory=dict)  # key: (fk, procore_type)
    many: dict[str, tuple[str, str]] = field(default_factory=dict)  # key: (m2m, procore_type)
    parent_field: str | None = None
    incremental: bool = True
    exportable: bool = False

    def origin_id(self, pk: int) -> str:
        """Our id in Procore's `origin_id` for a record we export: unique in the company."""
        return f"trestle-{self.procore_type}-{pk}"

    def pk_of_origin(self, origin_id: object) -> int | None:
        """The local pk an origin_id of ours names, or None (another app's, or not text)."""
        prefix = self.origin_id(0)[:-1]
        if not isinstance(origin_id, str) or not origin_id.startswith(prefix):
            return None
        number = origin_id.removeprefix(prefix)
        return int(number) if number.isascii() and number.isdigit() else None


def _employee_in(record: dict, batch: Batch) -> dict | None:
    return people.employee_from_procore(record) if people.is_employee(record) else None


def _cost_code_in(record: dict, batch: Batch) -> dict | None:
    return projects.cost_code_from_procore(record, batch.context["divisions"])


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            name="work_classifications",
            label="Work classifications",
            procore_type="work_classification",
            model=WorkClassification,
            fields=("name", "abbreviation", "active"),
            map_in=lambda r, b: people.work_classification_from_procore(r),
            natural_key="name",
        ),
        Entity(
            name="employees",
            label="Employees",
            procore_type="company_user",
            model=Employee,
            fields=(*people.EMPLOYEE_FIELDS, "custom_fields"),
            map_in=_employee_in,
            natural_key="employee_id",
            relations={
                "work_classification_procore_id": ("work_classification", "work_classification")
            },
            exportable=True,
        ),
        Entity(
            name="projects",
            label="Projects",
            procore_type="project",
            model=Project,
            fields=(*projects.PROJECT_FIELDS, "custom_fields"),
            map_in=lambda r, b: projects.project_from_procore(r),
            natural_key="number",
            exportable=True,
        ),
        Entity(
            name="sub_jobs",
            label="Sub-jobs",
            procore_type="sub_job",
            model=SubJob,
            fields=("code", "name", "active"),
            map_in=lambda r, b: projects.sub_job_from_procore(r),
            natural_key="code",
            parent_field="project",
            exportable=True,
        ),
        Entity(
            name="cost_codes",
            label="Cost codes",
            procore_type="standard_cost_code",
            model=CostCode,
            fields=("code", "name", "division_code", "division_name", "active"),
            map_in=_cost_code_in,
            natural_key="code",
            incremental=False,  # the standard cost code list has no updated_at filter
        ),
        Entity(
            name="time_types",
            label="Timecard time types",
            procore_type="timecard_time_type",
            model=TimeType,
            fields=("name", "abbreviation", "active"),
            map_in=lambda r, b: people.time_type_from_procore(r),
            natural_key="name",
            incremental=False,
        ),
        Entity(
            name="crews",
            label="Crews",
            procore_type="crew",
            model=Crew,
            fields=("name", "active"),
            map_in=lambda r, b: people.crew_from_procore(r),
            natural_key="name",
            relations={"lead_procore_id": ("lead", "company_user")},
            many={"member_procore_ids": ("members", "company_user")},
            parent_field="project",
        ),
        Entity(
            name="vendors",
            label="Vendors",
            procore_type="vendor",
            model=Vendor,
            fields=(*vendors.VENDOR_FIELDS, "custom_fields"),
            map_in=lambda r, b: vendors.vendor_from_procore(r),
            natural_key="name",
            exportable=True,
        ),
    )
}
