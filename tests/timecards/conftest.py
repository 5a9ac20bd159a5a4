"""A project in Denver with a crew of three, the office's cost codes and time types."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from apps.projects.models import CostCode, Project, SubJob
from apps.timecards import services
from apps.timecards.models import Crew, Employee, TimeType, WorkClassification

MONDAY = date(2025, 1, 6)
D = Decimal


@dataclass
class Site:
    project: Project
    sub_job: SubJob
    framing: CostCode
    drywall: CostCode
    regular: TimeType
    overtime: TimeType
    carpenter: WorkClassification
    ana: Employee
    ben: Employee
    cal: Employee
    crew: Crew


@pytest.fixture
def site(tenant) -> Site:
    office = tenant.office
    project = Project.objects.create(
        office=office, number="200", name="Tower", time_zone="America/Denver"
    )
    carpenter = WorkClassification.objects.create(office=office, name="Carpenter")
    people = [
        Employee.objects.create(
            office=office,
            first_name=first,
            last_name=last,
            employee_id=f"E{n}",
            email=f"{first.lower()}@acme.test",
            work_classification=carpenter,
        )
        for n, (first, last) in enumerate([("Ana", "Alvarez"), ("Ben", "Baker"), ("Cal", "Cruz")])
    ]
    crew = Crew.objects.create(office=office, name="Framers", project=project, lead=people[0])
    crew.members.set(people)
    return Site(
        project=project,
        sub_job=SubJob.objects.create(office=office, project=project, code="005", name="Core"),
        framing=CostCode.objects.create(
            office=office, code="06-100", name="Framing", division_code="06"
        ),
        drywall=CostCode.objects.create(
            office=office, code="09-200", name="Drywall", division_code="09"
        ),
        regular=TimeType.objects.create(office=office, name="Regular Time", abbreviation="RT"),
        overtime=TimeType.objects.create(office=office, name="Overtime", abbreviation="OT"),
        carpenter=carpenter,
        ana=people[0],
        ben=people[1],
        cal=people[2],
        crew=crew,
    )


@pytest.fixture
def enter(site, tenant):
    """Enter a draft entry for `employee` (Ana by default) on the site's project."""

    def make(hours="8", employee=None, day=MONDAY, **fields):
        fields.setdefault("cost_code", site.framing)
        fields.setdefault("time_type", site.regular)
        return services.entry_create(
            project=site.project,
            employee=employee or site.ana,
            date=day,
            hours=hours,
            user=tenant.owner,
            **fields,
        )

    return make
