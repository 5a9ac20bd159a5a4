"""Production quantities: per project, cost code and day, in pages and the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import AuditEntry, Role
from apps.offices.models import Office
from apps.projects.models import CostCode, Project
from apps.timecards.models import ProductionQuantity
from apps.timecards.quantities import quantity_create, quantity_delete, quantity_update
from apps.timecards.signals import production_quantities_changed

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/production-quantities/"


@pytest.fixture
def walls(site, tenant) -> ProductionQuantity:
    return quantity_create(
        project=site.project,
        cost_code=site.framing,
        date=MONDAY,
        quantity=D("120"),
        unit="LF",
        user=tenant.owner,
    )


def test_a_quantity_needs_a_cost_code_of_the_office_a_unit_and_no_negative(site, tenant):
    north = Office.objects.create(account=tenant.account, name="North")
    theirs = CostCode.objects.create(office=north, code="1", name="N", division_code="1")
    cases = [
        ({"cost_code": theirs}, "cost_code"),
        ({"unit": "  "}, "unit"),
        ({"quantity": D("-1")}, "quantity"),
        ({"quantity": D("1.0005")}, "quantity"),
    ]
    for change, field in cases:
        fields = {"cost_code": site.framing, "quantity": D("3"), "unit": "CY", **change}
        with pytest.raises(ValidationError) as refused:
            quantity_create(project=site.project, date=MONDAY, user=tenant.owner, **fields)
        assert field in refused.value.message_dict
    zero = quantity_create(
        project=site.project,
        cost_code=site.framing,
        date=MONDAY,
        quantity=D("0"),
        unit=" EA ",
        user=tenant.owner,
    )
    assert (zero.quantity, zero.unit) == (D("0.000"), "EA")


def test_writes_are_audited_and_signalled_after_commit_with_the_days(
    site, tenant, django_capture_on_commit_callbacks
):
    sent = []

    def receiver(sender, account, project_id, dates, action, **kwargs):
        sent.append((account, project_id, dates, action))

    production_quantities_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = quantity_create(
                project=site.project,
                cost_code=site.framing,
                date=MONDAY,
                quantity=D("5"),
                unit="CY",
                user=tenant.owner,
            )
        with django_capture_on_commit_callbacks(execute=True):
            quantity_update(record=record, user=tenant.owner, date=date(2025, 1, 7))
        with django_capture_on_commit_callbacks(execute=True):
            quantity_delete(record=record, user=tenant.owner)
    finally:
        production_quantities_changed.disconnect(receiver)
    project, account = site.project.pk, tenant.account
    assert sent == [
        (account, project, [MONDAY], "updated"),
        (account, project, [MONDAY, date(2025, 1, 7)], "updated"),
        (account, project, [date(2025, 1, 7)], "deleted"),
    ]
    actions = AuditEntry.objects.order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["quantity.created", "quantity.updated", "quantity.deleted"]


# Pages -------------------------------------------------------------------------------------------


def test_the_quantities_page_lists_adds_edits_and_deletes(client_as, site, walls):
    client = client_as(Role.FIELD)
    page = client.get(f"/timecards/quantities/?project={site.project.pk}&date=2025-01-06")
    assert f'data-quantity="{walls.pk}"' in page.content.decode() and "120" in page.content.decode()
    other_day = client.get(f"/timecards/quantities/?project={site.project.pk}&date=2025-01-07")
    assert f'data-quantity="{walls.pk}"' not in other_day.content.decode()
    added = client.post(
        "/timecards/quantities/new/",
        {
            "project": site.project.pk,
            "cost_code": site.drywall.pk,
            "date": "2025-01-06",
            "quantity": "42.5",
            "unit": "SF",
            "description": "Level 2",
        },
    )
    assert added.status_code == 302 and "date=2025-01-06" in added["Location"]
    record = ProductionQuantity.objects.get(unit="SF")
    assert record.quantity == D("42.500")
    client.post(
        f"/timecards/quantities/{record.pk}/edit/",
        {"cost_code": site.drywall.pk, "date": "2025-01-06", "quantity": "50", "unit": "SF"},
    )
    record.refresh_from_db()
    assert record.quantity == D("50.000")
    refused = client.post(
        f"/timecards/quantities/{record.pk}/edit/",
        {"cost_code": site.drywall.pk, "date": "2025-01-06", "quantity": "-1", "unit": "SF"},
    )
    assert refused.status_code == 400
    client.post(f"/timecards/quantities/{record.pk}/delete/")
    assert not ProductionQuantity.objects.filter(pk=record.pk).exists()


def test_another_accounts_quantity_is_a_404(client_as, outsider):
    project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    code = CostCode.objects.create(office=outsider.office, code="1", name="T", division_code="1")
    theirs = ProductionQuantity.objects.create(
        project=project, cost_code=code, date=MONDAY, quantity=1, unit="EA"
    )
    client = client_as(Role.PROJECT_MANAGER)
    assert client.get(f"/timecards/quantities/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/timecards/quantities/{theirs.pk}/delete/").status_code == 404
    assert ProductionQuantity.objects.filter(pk=theirs.pk).exists()


# API ---------------------------------------------------------------------------------------------


def test_the_api_creates_lists_updates_and_deletes_quantities(api_as, site, walls):
    api = api_as(Role.FIELD)
    created = api.post(
        URL,
        {
            "project": site.project.pk,
            "cost_code": site.drywall.pk,
            "date": "2025-01-07",
            "quantity": "12.5",
            "unit": "SF",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["quantity"] == "12.500"
    listed = api.get(f"{URL}?project={site.project.pk}&date_from=2025-01-07").json()["results"]
    assert [row["id"] for row in listed] == [created.json()["id"]]
    url = f"{URL}{walls.pk}/"
    assert api.patch(url, {"quantity": "130"}, format="json").json()["quantity"] == "130.000"
    negative = api.patch(url, {"quantity": "-2"}, format="json")
    assert negative.status_code == 400 and "quantity" in negative.json()
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_the_api_refuses_another_accounts_quantity(api, outsider):
    project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    code = CostCode.objects.create(office=outsider.office, code="1", name="T", division_code="1")
    theirs = ProductionQuantity.objects.create(
        project=project, cost_code=code, date=MONDAY, quantity=1, unit="EA"
    )
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 404
    create = api.post(
        URL,
        {
            "project": project.pk,
            "cost_code": code.pk,
            "date": "2025-01-06",
            "quantity": "1",
            "unit": "EA",
        },
        format="json",
    )
    assert create.status_code == 400 and "project" in create.json()
