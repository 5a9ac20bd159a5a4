"""What the change page lists: one kind of a company's records, found by a search, capped."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from . import edits
from .models import SandboxCompany, SandboxRecord

LIMIT = 50
SEARCHED = {  # data keys a search matches, any part in any case (an id matches too)
    edits.EMPLOYEE: ("first_name", "last_name", "employee_id", "email_address"),
    edits.PROJECT: ("name", "project_number"),
    edits.VENDOR: ("name", "abbreviated_name"),
    edits.CHANGE_EVENT: ("title", "alphanumeric_number"),
    edits.INVOICE: ("invoice_number", "vendor_name"),
}


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    detail: str


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    total: int  # matches before the cap


def records_list(
    *, company: SandboxCompany, kind: edits.Kind, search: str = "", limit: int = LIMIT
) -> Listing:
    found = edits.kind_records(company, kind)
    if search.strip():
        found = found.filter(_matches(kind, search.strip()))
    statuses = _status_names(company) if kind is edits.CHANGE_EVENT else {}
    rows = [_row(kind, record, statuses) for record in found.order_by("id")[:limit]]
    return Listing(rows=rows, total=found.count())


def record_row(kind: edits.Kind, record: SandboxRecord) -> Row:
    statuses = _status_names(record.company) if kind is edits.CHANGE_EVENT else {}
    return _row(kind, record, statuses)


def _matches(kind: edits.Kind, search: str) -> Q:
    condition = Q(id=int(search)) if search.isdigit() else Q()
    for key in SEARCHED[kind]:
        condition |= Q(**{f"data__{key}__icontains": search})
    return condition


def _row(kind: edits.Kind, record: SandboxRecord, statuses: dict[int, str]) -> Row:
    data: dict[str, Any] = record.data
    if kind is edits.EMPLOYEE:
        title = f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
        detail = [data.get("employee_id"), data.get("email_address"), _active(data, "is_active")]
    elif kind is edits.PROJECT:
        title = data.get("display_name") or data.get("name")
        detail = [_active(data, "active")]
    elif kind is edits.VENDOR:
        title, detail = data.get("name"), [data.get("abbreviated_name"), _active(data, "is_active")]
    elif kind is edits.CHANGE_EVENT:
        title = f"#{data.get('alphanumeric_number') or data.get('number')} {data.get('title')}"
        detail = [statuses.get(data.get("change_event_status_id")), f"project {record.project_id}"]
    else:
        title = data.get("invoice_number") or f"#{data.get('number')}"
        detail = [data.get("vendor_name"), data.get("status"), data.get("total_claimed_amount")]
    return Row(record.id, str(title or ""), " · ".join(str(part) for part in detail if part))


def _active(data: dict[str, Any], key: str) -> str:
    return "inactive" if data.get(key) is False else "active"


def _status_names(company: SandboxCompany) -> dict[int, str]:
    found = SandboxRecord.objects.filter(company=company, resource="change_event_statuses")
    return {record.id: str(record.data.get("name")) for record in found}
