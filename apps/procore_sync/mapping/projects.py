"""Projects, sub-jobs and cost codes (procore-api.md §4 and §6)."""

from .common import (
    MappingError,
    boolean,
    decimal,
    iso_date,
    procore_id,
    required_text,
    text,
    without_empty,
)

PROJECT_FIELDS = (
    "number",
    "name",
    "address",
    "city",
    "state",
    "zip_code",
    "phone",
    "start_date",
    "latitude",
    "longitude",
    "time_zone",
    "active",
)


def project_from_procore(record: dict) -> dict:
    number = text(record, "project_number", 50) or str(procore_id(record))
    return {
        "number": number,
        "name": required_text(record, "name"),
        "address": text(record, "address"),
        "city": text(record, "city", 100),
        "state": text(record, "state_code", 50),
        "zip_code": text(record, "zip", 20),
        "phone": text(record, "phone", 40),
        "start_date": iso_date(record, "start_date"),
        "latitude": decimal(record, "latitude", 6, max_digits=9),
        "longitude": decimal(record, "longitude", 6, max_digits=9),
        "time_zone": text(record, "time_zone", 64),
        "active": boolean(record, "active"),
    }


def project_to_procore(project) -> dict:
    """Writable keys of the projects sync action (it takes no latitude/longitude)."""
    return without_empty(
        {
            "project_number": project.number,
            "name": project.name,
            "address": project.address,
            "city": project.city,
            "state_code": project.state,
            "zip": project.zip_code,
            "phone": project.phone,
            "start_date": project.start_date.isoformat() if project.start_date else None,
            "time_zone": project.time_zone,
        }
    ) | {"active": project.active}


def sub_job_from_procore(record: dict) -> dict:
    code = text(record, "code", 50)
    if not code:
        raise MappingError("'code' is missing: a sub-job needs a code to be named")
    return {"code": code, "name": required_text(record, "name"), "active": True}


def sub_job_to_procore(sub_job) -> dict:
    return {"code": sub_job.code, "name": sub_job.name}


def cost_code_from_procore(record: dict, divisions: dict[int, dict]) -> dict | None:
    """A standard cost code under a division, or None for a division (or a code outside one).

    `divisions` maps Procore ids of parent codes to their records.
    """
    parent_id = procore_id(record, "parent_id", required=False)
    if parent_id is None:
        return None
    division = divisions.get(parent_id)
    if division is None:
        raise MappingError(f"its division (parent {parent_id}) is not in the cost code list")
    return {
        "code": text(record, "full_code", 50) or required_text(record, "code", 50),
        "name": required_text(record, "name"),
        "division_code": text(division, "full_code", 50) or text(division, "code", 50),
        "division_name": text(division, "name"),
        "active": True,
    }


def cost_code_to_procore(cost_code, *, division_procore_id: int) -> dict:
    code = cost_code.code.removeprefix(f"{cost_code.division_code}-")
    return {"code": code, "name": cost_code.name, "parent_id": division_procore_id}
