"""Mapping is pure: captured Procore JSON in, domain fields out (and back)."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from apps.procore_sync.mapping.common import MappingError, decimal, fingerprint
from apps.procore_sync.mapping.people import (
    crew_from_procore,
    employee_from_procore,
    employee_to_procore,
    is_employee,
    time_type_from_procore,
)
from apps.procore_sync.mapping.projects import (
    cost_code_from_procore,
    project_from_procore,
    project_to_procore,
    sub_job_from_procore,
)
from apps.procore_sync.mapping.vendors import vendor_from_procore, vendor_to_procore

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_an_employee_maps_every_field_the_hub_needs():
    maria = load("company_users")[0]
    assert employee_from_procore(maria) == {
        "employee_id": "E-1001",
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "maria.lopez@acme.test",
        "address": "12 Oak St",
        "city": "Austin",
        "state": "TX",
        "zip_code": "78701",
        "mobile_phone": "512-555-0101",
        "active": True,
        "work_classification_procore_id": 3300000000001,
    }


def test_only_users_flagged_as_employees_are_employees():
    assert [is_employee(u) for u in load("company_users")] == [True, False, True]


def test_a_malformed_user_fails_alone_with_a_clear_reason():
    with pytest.raises(MappingError, match="'last_name' is missing"):
        employee_from_procore(load("company_users")[2])
    with pytest.raises(MappingError, match="'is_active' should be true or false"):
        employee_from_procore({**load("company_users")[2], "last_name": "Fixed"})


def test_an_employee_round_trips_through_the_users_sync_shape():
    fields = employee_from_procore(load("company_users")[0])
    wc = fields.pop("work_classification_procore_id")
    outgoing = employee_to_procore(SimpleNamespace(**fields), work_classification_procore_id=wc)
    assert outgoing["email_address"] == "maria.lopez@acme.test"
    assert outgoing["is_employee"] is True and outgoing["work_classification_id"] == wc
    assert employee_from_procore({**outgoing, "id": 1})["employee_id"] == "E-1001"


def test_an_employee_without_email_cannot_go_to_procore():
    employee = SimpleNamespace(email="", active=True)
    with pytest.raises(MappingError, match="email"):
        employee_to_procore(employee, work_classification_procore_id=None)


def test_a_project_maps_number_coordinates_and_dates_without_float():
    project = project_from_procore(load("projects")[0])
    assert project["number"] == "200" and project["name"] == "PJA"
    assert project["latitude"] == Decimal("30.267200")
    assert project["longitude"] == Decimal("-97.743100")
    assert project["start_date"] == date(2026, 3, 1)


def test_a_project_without_number_uses_its_procore_id_and_keeps_inactive():
    project = project_from_procore(load("projects")[1])
    assert project["number"] == "2468013580"
    assert project["active"] is False and project["latitude"] is None


def test_a_project_goes_out_without_empty_fields():
    project = SimpleNamespace(
        number="300", name="New", address="", city="Waco", state="TX", zip_code="",
        phone="", start_date=None, time_zone="America/Chicago", active=True,
    )  # fmt: skip
    assert project_to_procore(project) == {
        "project_number": "300",
        "name": "New",
        "city": "Waco",
        "state_code": "TX",
        "time_zone": "America/Chicago",  # else Procore's project has none and the next import
        "active": True,  # would take that for Procore's change
    }


def test_sub_jobs_need_a_code():
    assert sub_job_from_procore({"id": 1, "code": "005", "name": "SJB"}) == {
        "code": "005",
        "name": "SJB",
        "active": True,
    }
    with pytest.raises(MappingError, match="'code' is missing"):
        sub_job_from_procore({"id": 2, "code": None, "name": "No code"})


def test_only_cost_codes_under_a_division_are_kept():
    codes = load("standard_cost_codes")
    divisions = {c["id"]: c for c in codes if c["parent_id"] is None}
    assert cost_code_from_procore(codes[0], divisions) is None  # a division itself
    assert cost_code_from_procore(codes[1], divisions) == {
        "code": "03-100",
        "name": "Concrete Forming",
        "division_code": "03",
        "division_name": "Concrete",
        "active": True,
    }
    assert cost_code_from_procore(codes[2], divisions) is None
    with pytest.raises(MappingError, match="division"):
        cost_code_from_procore(codes[3], divisions)


def test_time_types_and_crews():
    assert (
        time_type_from_procore({"id": 1, "time_type": "Overtime", "abbreviated_time_type": "OT"})[
            "abbreviation"
        ]
        == "OT"
    )
    crew = crew_from_procore(
        {"id": 9, "name": "Framing A", "project_id": 2468013579, "lead_party": {"id": 7},
         "members": [{"id": 8}, {"id": 7}]}
    )  # fmt: skip
    assert crew["lead_procore_id"] == 7 and crew["member_procore_ids"] == [7, 8]


def test_vendors_round_trip():
    record = {"id": 5, "name": "Steel Co", "business_phone": "1", "email_address": "a@b.c",
              "is_active": True, "state_code": "TX"}  # fmt: skip
    fields = vendor_from_procore(record)
    assert vendor_to_procore(SimpleNamespace(**fields))["business_phone"] == "1"


def test_money_is_decimal_from_strings_and_numbers():
    assert decimal({"a": "1250000.10"}, "a") == Decimal("1250000.10")
    assert decimal({"a": 0.1}, "a") == Decimal("0.1")
    with pytest.raises(MappingError):
        decimal({"a": "ten"}, "a")


def test_fingerprint_is_stable_and_sensitive():
    a = {"name": "X", "when": date(2026, 1, 1), "n": Decimal("1.0")}
    assert fingerprint(a) == fingerprint(dict(reversed(list(a.items()))))
    assert fingerprint(a) != fingerprint({**a, "name": "Y"})
