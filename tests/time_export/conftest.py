"""A Procore project ready for time, linked to a Trestle project in Denver.

Procore holds four employees (company users, each mirrored as a person: a timecard's party),
cost codes 06-100 Framing (a labor cost type) and 09-900 Painting (materials only), a sub job,
a time type, a work classification and a crew. Trestle has their twins, linked as the import
links them, plus a cost code Procore does not have. The office sends time to timesheets when a
time card is approved. Time cards are written straight to the table here (the domain services
are tested in tests/timecards), with their fingerprint computed as the domain does.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, SyncRun
from apps.procore_sync.project_mapping import project_map
from apps.procore_sync.runs import run_retry_failed
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.fingerprint import entry_fingerprint
from apps.timecards.models import (
    Crew,
    Employee,
    EntryStatus,
    ProductionQuantity,
    TimeCardEntry,
    TimeType,
    WorkClassification,
)
from tests.sync_engine.conftest import Procore, procore  # noqa: F401  (the fixture)

D = Decimal
MONDAY = date(2026, 11, 16)
NAMES = [("Ana", "Garcia"), ("Ben", "Okafor"), ("Carla", "Rossi"), ("Dev", "Patel")]


@dataclass
class Site:
    procore: Procore
    tenant: object
    project: Project
    procore_project_id: int
    employees: list[Employee]
    parties: dict[int, int]  # employee pk -> Procore person id
    framing: CostCode
    painting: CostCode
    unknown_code: CostCode
    sub_job: SubJob
    regular: TimeType
    crew: Crew
    carpenter: WorkClassification
    procore_ids: dict[str, int]  # what the Procore side's records are

    # -- settings ------------------------------------------------------------------------

    def configure(self, *, mode="timesheets", trigger="approved", **flows) -> None:
        settings = self.procore.settings
        settings.options = {**settings.options, "time_export": mode, "time_trigger": trigger}
        settings.flows = {"time": True, **flows}
        settings.save()

    # -- Trestle's time cards ------------------------------------------------------------

    def entry(self, employee: int, day: date, hours, **fields) -> TimeCardEntry:
        values = {
            "cost_code": self.framing,
            "time_type": self.regular,
            "status": EntryStatus.APPROVED,
            **fields,
        }
        entry = TimeCardEntry(
            project=self.project,
            employee=self.employees[employee],
            date=day,
            hours=D(str(hours)),
            **values,
        )
        entry.fingerprint = entry_fingerprint(entry)
        entry.save()
        return entry

    def change(self, entry: TimeCardEntry, **changes) -> TimeCardEntry:
        for name, value in changes.items():
            setattr(entry, name, value)
        entry.fingerprint = entry_fingerprint(entry)
        entry.save()
        return entry

    def delete(self, entry: TimeCardEntry) -> TimeCardEntry:
        return self.change(entry, deleted_at=timezone.now())

    def quantity(self, day: date, quantity, unit="LF", code=None, text="") -> ProductionQuantity:
        return ProductionQuantity.objects.create(
            project=self.project,
            cost_code=code or self.framing,
            date=day,
            quantity=D(str(quantity)),
            unit=unit,
            description=text,
        )

    # -- runs ----------------------------------------------------------------------------

    def run(self, flow: str = "time_export", **params) -> SyncRun:
        """Queue a run and execute it here, as the worker would."""
        return self.procore.run(flow, self.tenant.owner, **params)

    def export(self, start: date = MONDAY, end: date | None = None) -> SyncRun:
        return self.run(start=start.isoformat(), end=(end or start).isoformat())

    def publish(self, start: date = MONDAY, end: date | None = None, **params) -> SyncRun:
        return self.run(
            "daily_logs", start=start.isoformat(), end=(end or start).isoformat(), **params
        )

    def retry(self, run: SyncRun) -> SyncRun:
        retry = run_retry_failed(run=run, user=self.tenant.owner, enqueue=lambda run_id: None)
        return run_execute(retry.pk)

    # -- Procore's side ------------------------------------------------------------------

    def live(self, resource: str) -> list[dict]:
        rows = SandboxRecord.objects.filter(
            company=self.procore.company,
            resource=resource,
            project_id=self.procore_project_id,
            deleted_at__isnull=True,
        )
        return [{**r.data, "id": r.id, "origin_id": r.origin_id} for r in rows.order_by("id")]

    def timecards(self) -> list[dict]:
        return self.live("timecard_entries")

    def procore_hours(self) -> dict[tuple[int, str], Decimal]:
        """Hours per (person, day) as Procore holds them."""
        hours: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for entry in self.timecards():
            hours[entry["party_id"], entry["date"]] += D(str(entry["hours"]))
        return dict(hours)

    def trestle_hours(self, statuses=(EntryStatus.APPROVED,)) -> dict[tuple[int, str], Decimal]:
        hours: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        entries = TimeCardEntry.objects.filter(
            project=self.project, status__in=statuses, deleted_at__isnull=True
        )
        for entry in entries:
            hours[self.parties[entry.employee_id], entry.date.isoformat()] += entry.hours
        return dict(hours)

    def origin_counts(self) -> Counter:
        return Counter(e["origin_id"] for e in self.timecards())


def link(office, obj, procore_type: str, procore_id: int) -> ExternalRef:
    return ExternalRef.objects.create(
        office=office,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        procore_type=procore_type,
        procore_id=procore_id,
        synced_at=timezone.now(),
    )


@pytest.fixture
def site(procore, tenant) -> Site:  # noqa: F811
    office = tenant.office
    remote = procore.add(
        "projects", name="Summit", project_number="D-1", active=True, time_zone="America/Denver"
    )
    labor = procore.add("line_item_types", name="Labor", code="L", base_type="labor")
    material = procore.add("line_item_types", name="Materials", code="M", base_type="materials")
    types = {t.id: {"id": t.id, **t.data} for t in (labor, material)}
    framing = procore.add(
        "cost_codes",
        project_id=remote.id,
        code="100",
        full_code="06-100",
        name="Framing",
        biller_type="Project",
        biller_id=remote.id,
        line_item_types=[types[material.id], types[labor.id]],
    )
    painting = procore.add(
        "cost_codes",
        project_id=remote.id,
        code="900",
        full_code="09-900",
        name="Painting",
        biller_type="Project",
        biller_id=remote.id,
        line_item_types=[types[material.id]],
    )
    sub_job = procore.add("sub_jobs", project_id=remote.id, name="Phase 1", code="001")
    regular = procore.add(
        "timecard_time_types", time_type="Regular Time", abbreviated_time_type="REG"
    )
    crew = procore.add("crews", project_id=remote.id, name="Crew 1")
    carpenter = procore.add("work_classifications", name="Carpenter")

    project = Project.objects.create(
        office=office, number="D-1", name="Summit", time_zone="America/Denver"
    )
    project_map(
        project=project, procore_project={"id": remote.id, "name": "Summit"}, user=tenant.owner
    )
    employees, parties = [], {}
    for n, (first, last) in enumerate(NAMES):
        user = procore.add(
            "users",
            first_name=first,
            last_name=last,
            employee_id=f"E{n}",
            email_address=f"{first.lower()}@acme.test",
            is_employee=True,
            is_active=True,
        )
        person = procore.add(
            "people",
            first_name=first,
            last_name=last,
            employee_id=f"E{n}",
            user_id=user.id,
            is_employee=True,
        )
        employee = Employee.objects.create(
            office=office, employee_id=f"E{n}", first_name=first, last_name=last
        )
        link(office, employee, "company_user", user.id)
        employees.append(employee)
        parties[employee.pk] = person.id
    codes = {}
    for code, name in (("06-100", "Framing"), ("09-900", "Painting"), ("31-000", "Earthwork")):
        codes[code] = CostCode.objects.create(
            office=office, code=code, name=name, division_code=code[:2]
        )
    trestle_sub_job = SubJob.objects.create(
        office=office, project=project, code="001", name="Phase 1"
    )
    link(office, trestle_sub_job, "sub_job", sub_job.id)
    time_type = TimeType.objects.create(office=office, name="Regular Time", abbreviation="REG")
    link(office, time_type, "timecard_time_type", regular.id)
    trestle_crew = Crew.objects.create(office=office, name="Crew 1", project=project)
    link(office, trestle_crew, "crew", crew.id)
    classification = WorkClassification.objects.create(office=office, name="Carpenter")
    link(office, classification, "work_classification", carpenter.id)
    site = Site(
        procore=procore,
        tenant=tenant,
        project=project,
        procore_project_id=remote.id,
        employees=employees,
        parties=parties,
        framing=codes["06-100"],
        painting=codes["09-900"],
        unknown_code=codes["31-000"],
        sub_job=trestle_sub_job,
        regular=time_type,
        crew=trestle_crew,
        carpenter=classification,
        procore_ids={
            "labor": labor.id,
            "framing": framing.id,
            "painting": painting.id,
            "sub_job": sub_job.id,
            "regular": regular.id,
            "crew": crew.id,
            "carpenter": carpenter.id,
        },
    )
    site.configure()
    return site
