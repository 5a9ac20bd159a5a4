"""An office with a project, a vendor and its commitment, cost codes, and a reviewer rule."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from apps.ap_invoices.models import ApQueue, Commitment, RoutingRule, Vendor
from apps.ap_invoices.services import Line, invoice_create
from apps.projects.models import CostCode, Project

D = Decimal


@pytest.fixture
def ap(tenant):
    office = tenant.office
    project = Project.objects.create(office=office, number="200", name="PJA")
    vendor = Vendor.objects.create(office=office, name="Drywall Co")
    return SimpleNamespace(
        office=office,
        project=project,
        vendor=vendor,
        commitment=Commitment.objects.create(
            office=office, project=project, vendor=vendor, kind="subcontract", number="SC-1"
        ),
        queue=ApQueue.objects.create(office=office, name="Main"),
        framing=CostCode.objects.create(
            office=office, code="06-100", name="Framing", division_code="06"
        ),
        drywall=CostCode.objects.create(
            office=office, code="09-200", name="Drywall", division_code="09"
        ),
        reviewer=tenant.member("project_manager"),
        clerk=tenant.member("ap_clerk"),
    )


@pytest.fixture
def rule(ap):
    return RoutingRule.objects.create(office=ap.office, cost_code=ap.framing, reviewer=ap.reviewer)


def make_invoice(ap, user, lines=None, **fields):
    fields = {
        "queue": ap.queue,
        "project": ap.project,
        "vendor": ap.vendor,
        "commitment": ap.commitment,
        "invoice_number": "INV-1",
        "billing_date": date(2025, 1, 31),
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 1, 31),
        **fields,
    }
    if lines is None:
        lines = [
            Line(
                description="Studs",
                amount=D("1000.00"),
                retainage=D("100.00"),
                cost_code=ap.framing,
            )
        ]
    return invoice_create(office=ap.office, user=user, lines=lines, **fields)
