"""A mapped project whose Procore twin has statuses, budget codes and contracts."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from apps.cors.services import Line, cor_create
from apps.procore_sync.cor_push.options import PushOptions
from apps.procore_sync.cor_push.services import push_queue
from apps.procore_sync.engine import run_execute
from apps.procore_sync.project_mapping import project_map
from apps.projects.models import CostCode, Project
from tests.sync_engine.conftest import procore  # noqa: F401  (the fixture)

D = Decimal
COST_TYPES = ("L", "M", "E", "S", "O")


@dataclass
class Target:
    project: Project
    procore_project_id: int
    statuses: dict
    budget: dict  # "09-200.L" -> wbs code id
    prime_id: int
    commitment_id: int
    drywall: CostCode
    wiring: CostCode

    def options(self, **overrides) -> PushOptions:
        params = {
            "title": "Owner changes",
            "contract": {"type": "commitment", "id": self.commitment_id},
        }
        return PushOptions.from_params({**params, **overrides})


@pytest.fixture
def target(procore, tenant) -> Target:  # noqa: F811
    remote = procore.add("projects", name="Tower", project_number="T-1", active=True)
    statuses = {
        name: procore.add(
            "change_event_statuses",
            name=name,
            mapped_to_status=name.lower(),
            default_status=name == "Open",
            show_in_select=True,
        ).id
        for name in ("Open", "Pending", "Closed")
    }
    budget = {}
    for code, name in (("09-200", "Drywall"), ("26-100", "Wiring")):
        for letter in COST_TYPES:
            record = procore.add(
                "wbs_codes",
                project_id=remote.id,
                flat_code=f"{code}.{letter}",
                description=name,
                status="active",
                segment_items=[{"code": code, "name": name}, {"code": letter}],
            )
            budget[f"{code}.{letter}"] = record.id
    vendor = procore.add("vendors", name="Sparks Electric")
    prime = procore.add(
        "prime_contracts", project_id=remote.id, number="PC-001", title="Prime", status="Approved"
    )
    commitment = procore.add(
        "work_order_contracts",
        project_id=remote.id,
        number="SC-001",
        title="Sparks SC",
        status="Approved",
        vendor_id=vendor.id,
    )
    project = Project.objects.create(office=tenant.office, number="300", name="Tower")
    project_map(
        project=project, procore_project={"id": remote.id, "name": "Tower"}, user=tenant.owner
    )
    office = tenant.office
    drywall = CostCode.objects.create(
        office=office, code="09-200", name="Drywall", division_code="09"
    )
    wiring = CostCode.objects.create(
        office=office, code="26-100", name="Wiring", division_code="26"
    )
    return Target(project, remote.id, statuses, budget, prime.id, commitment.id, drywall, wiring)


def line(target: Target, amount: str, *, cost_type="labor", code="drywall", qty="1", markup="0"):
    return Line(
        description=f"{code} {cost_type}",
        cost_type=cost_type,
        quantity=D(qty),
        unit_cost=D(amount),
        markup_percent=D(markup),
        cost_code=getattr(target, code),
    )


def make_cor(target: Target, user, title: str, *lines: Line):
    return cor_create(project=target.project, user=user, title=title, lines=list(lines))


def push(target: Target, user, cors, **options):
    """Queue a push and run it here, as the worker would."""
    run = push_queue(
        project=target.project,
        cors=list(cors),
        options=target.options(**options),
        user=user,
        enqueue=lambda run_id: None,
    )
    run_execute(run.pk)
    run.refresh_from_db()
    return run
