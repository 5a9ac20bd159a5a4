"""References to other records must exist (procore-api.md §3.6: 422 for an unknown cost code).

Only the references Trestle writes are checked; a null or absent one is fine.
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
    "vendor_id": ("vendors",),
    "proposed_vendor_id": ("vendors",),
    "change_event_status_id": ("change_event_statuses",),
    "commitment_id": COMMITMENTS,
    "contract_id": COMMITMENTS,
    "proposed_contract_id": COMMITMENTS,
}


def check(company: SandboxCompany, data: dict[str, Any]) -> None:
    """422 naming every reference (top level or in nested line items) that points nowhere."""
    wanted = list(_references(data))
    if not wanted:
        return
    ids = {int(value) for _, value in wanted}
    found = set(
        SandboxRecord.objects.filter(company=company, id__in=ids, deleted_at=None).values_list(
            "resource", "id"
        )
    )
    errors = {
        key: ["is invalid"]
        for key, value in wanted
        if not any((resource, int(value)) in found for resource in REFERENCES[key.split(".")[-1]])
    }
    if errors:
        raise ApiError(422, "Validation failed", errors)


def _references(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if key in REFERENCES and value not in (None, "") and str(value).isdigit():
            yield f"{prefix}{key}", value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _references(item, f"{prefix}{key}.{index}.")
