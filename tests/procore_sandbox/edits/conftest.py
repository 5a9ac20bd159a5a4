"""A small demo company with one record of each kind a person edits in Procore's UI."""

from dataclasses import dataclass

import pytest

from apps.procore_sandbox import change_events, faults, seed, store
from apps.procore_sandbox.models import SandboxCompany, SandboxRecord


@dataclass
class Demo:
    company: SandboxCompany
    employee: SandboxRecord
    project: SandboxRecord
    vendor: SandboxRecord
    change_event: SandboxRecord
    invoice: SandboxRecord

    def fresh(self, record: SandboxRecord) -> SandboxRecord:
        return SandboxRecord.objects.get(id=record.id)


def first(company: SandboxCompany, resource: str, **data) -> SandboxRecord:
    found = SandboxRecord.objects.filter(company=company, resource=resource)
    return found.filter(**{f"data__{k}": v for k, v in data.items()}).order_by("id").first()


@pytest.fixture
def demo(db) -> Demo:
    faults.reset_faults()
    company = seed.seed_demo(seed.Sizes(projects=1, employees=3, vendors=2, sub_jobs=0))
    project = first(company, "projects")
    event = store.record_create(
        company=company,
        resource="change_events",
        data={"title": "Extra rebar", "number": 1, "alphanumeric_number": "1"}
        | {"change_event_status_id": first(company, "change_event_statuses", name="Open").id},
        project_id=project.id,
    )
    change_events.derive(event)
    return Demo(
        company=company,
        employee=first(company, "users", is_employee=True),
        project=project,
        vendor=first(company, "vendors"),
        change_event=event,
        invoice=first(company, "requisitions", status="approved"),
    )
