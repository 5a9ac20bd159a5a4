"""References to other records must exist (procore-api.md §3.6: 422 for an unknown cost code).

Only the references Trestle writes are checked; a null or absent one is fine. A reference to a
project-level record (cost code, budget code, commitment) must also be in the same project.
"""

from collections.abc import Iterator
from typing import Any

from .http import ApiError
from .models import SandboxCompany, SandboxRecord

COMMITMENTS = ("work_order_contracts", "purchase_order_contracts")
REFERENCES: dict[str, tuple[str, ...]] = {
    "cost_code_id": ("cost_codes",),
    "line_item_type_id": ("line_item_types",),
    "sub_job_id": ("sub_jobs",),
    "timecard_time_type_id": ("timecard_time_types",),
    "work_classification_id": ("work_classifications",),
    "party_id": ("people",),
    "crew_id": ("crews",),
    "vendor_id": ("vendors",),
    "proposed_vendor_id": ("vendors",),
    "change_event_status_id": ("change_event_statuses",),
    "commitment_id": COMMITMENTS,
    "contract_id": COMMITMENTS,
    "proposed_contract_id": COMMITMENTS,
}
# Objects written as {"id": ...}: §7.1 `budget_code: {"id": <wbs_code_id>}` on line items,
# §7.2 a v1.1 Change Event's `prime_contract_for_estimates: {"id": <prime contract id>}`.
OBJECT_REFERENCES: dict[str, tuple[str, ...]] = {
    "budget_code": ("wbs_codes",),
    "prime_contract_for_estimates": ("prime_contracts",),
}


def check(company: SandboxCompany, data: dict[str, Any], project_id: int | None = None) -> None:
    """422 naming every reference (top level or in nested line items) that points nowhere."""
    wanted = list(_references(data))
    if not wanted:
        return
    found = {
        (resource, record_id): record_project
        for resource, record_id, record_project in SandboxRecord.objects.filter(
            company=company, id__in={int(value) for _, _, value in wanted}, deleted_at=None
        ).values_list("resource", "id", "project_id")
    }
    errors = {
        path: ["is invalid"]
        for path, resources, value in wanted
        if not any(_fits(found, resource, int(value), project_id) for resource in resources)
    }
    if errors:
        raise ApiError(422, "Validation failed", errors)


def _fits(found: dict, resource: str, record_id: int, project_id: int | None) -> bool:
    if (resource, record_id) not in found:
        return False
    record_project = found[resource, record_id]
    return project_id is None or record_project is None or record_project == project_id


def _references(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, tuple, Any]]:
    """(field path, resources it may point at, id) for every reference in `data`."""
    for key, value in data.items():
        if key in REFERENCES and _is_id(value):
            yield f"{prefix}{key}", REFERENCES[key], value
        elif key in OBJECT_REFERENCES and isinstance(value, dict) and _is_id(value.get("id")):
            yield f"{prefix}{key}.id", OBJECT_REFERENCES[key], value["id"]
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _references(item, f"{prefix}{key}.{index}.")


def _is_id(value: Any) -> bool:
    return value not in (None, "") and str(value).isdigit()
