"""Employees (company users flagged as employees), work classifications, time types, crews.

Procore has no /employees resource: employees are company users with `is_employee` true
(procore-api.md §5 "Company users").
"""

from .common import (
    MappingError,
    boolean,
    nested_id,
    procore_id,
    required_text,
    text,
    without_empty,
)

EMPLOYEE_FIELDS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "address",
    "city",
    "state",
    "zip_code",
    "mobile_phone",
    "active",
)


def is_employee(user: dict) -> bool:
    """Raises MappingError for a flag that is not a boolean: read as "not an employee", such a
    user would silently drop out of the import (and be deactivated by a full pull)."""
    return boolean(user, "is_employee", default=False)


def employee_from_procore(user: dict) -> dict:
    return {
        "employee_id": text(user, "employee_id", 50),
        "first_name": text(user, "first_name", 100),
        "last_name": required_text(user, "last_name", 100),
        "email": text(user, "email_address", 254),
        "address": text(user, "address"),
        "city": text(user, "city", 100),
        "state": text(user, "state_code", 50),
        "zip_code": text(user, "zip", 20),
        "mobile_phone": text(user, "mobile_phone", 40),
        "active": boolean(user, "is_active"),
        "work_classification_procore_id": procore_id(user, "work_classification_id", False),
    }


def employee_to_procore(employee, *, work_classification_procore_id: int | None) -> dict:
    """A company-user record for the users sync action; email is required by Procore."""
    if not employee.email:
        raise MappingError("Procore needs an email address for every company user")
    return without_empty(
        {
            "employee_id": employee.employee_id,
            "first_name": employee.first_name,
            "last_name": employee.last_name,
            "email_address": employee.email,
            "address": employee.address,
            "city": employee.city,
            "state_code": employee.state,
            "zip": employee.zip_code,
            "mobile_phone": employee.mobile_phone,
            "work_classification_id": work_classification_procore_id,
        }
    ) | {"is_employee": True, "is_active": employee.active}


def work_classification_from_procore(record: dict) -> dict:
    return {
        "name": required_text(record, "name"),
        "abbreviation": text(record, "abbreviation", 50),
        "active": True,
    }


def time_type_from_procore(record: dict) -> dict:
    return {
        "name": required_text(record, "time_type", 100),
        "abbreviation": text(record, "abbreviated_time_type", 20),
        "active": True,
    }


def crew_from_procore(record: dict) -> dict:
    members = record.get("members") or record.get("employees") or []
    if not isinstance(members, list):
        raise MappingError("'members' should be a list")
    return {
        "name": required_text(record, "name"),
        "active": True,
        "project_procore_id": procore_id(record, "project_id", False),
        "lead_procore_id": nested_id(record, "lead_party") or nested_id(record, "lead"),
        "member_procore_ids": sorted(procore_id(m) for m in members if isinstance(m, dict)),
    }
