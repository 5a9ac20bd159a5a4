"""Pure mapping: a Procore commitment or requisition in, Trestle's fields out (no db, no HTTP)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_date, parse_datetime

from apps.ap_invoices.models import CommitmentKind

ZERO = Decimal("0.00")
# procore-api.md §8.3 `filters[status]` values imported, and how Trestle shows each
STATUSES = {"approved": "Approved", "approved_as_noted": "Approved as noted"}
KINDS = {
    "work_order_contracts": CommitmentKind.SUBCONTRACT,
    "purchase_order_contracts": CommitmentKind.PURCHASE_ORDER,
}


def money(value) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "") else ZERO
    except InvalidOperation:
        return ZERO


def _date(value) -> date | None:
    return parse_date(str(value)[:10]) if value else None


def vendor_id_of(record: dict) -> int | None:
    """A contract names its vendor as `vendor{id,...}` (list views) or `vendor_id`."""
    vendor = record.get("vendor")
    if isinstance(vendor, dict) and vendor.get("id"):
        return int(vendor["id"])
    return int(record["vendor_id"]) if record.get("vendor_id") else None


def commitment_fields(record: dict, resource: str) -> dict:
    return {
        "kind": KINDS[resource],
        "number": str(record.get("number") or record["id"])[:50],
        "title": str(record.get("title") or "")[:255],
        "status": str(record.get("status") or "")[:40],
        "grand_total": money(record.get("grand_total")),
    }


@dataclass(frozen=True)
class RequisitionData:
    requisition_id: int
    commitment_id: int | None
    vendor_id: int | None
    invoice_number: str
    billing_date: date | None
    period_start: date | None
    period_end: date | None
    procore_status: str
    updated_at: datetime | None
    lines: list[tuple[str, Decimal, Decimal]]  # (description, amount, retainage)
    vendor_name: str = ""  # Procore's names, shown where the linked records are not known
    contract_name: str = ""


def requisition_data(record: dict) -> RequisitionData:
    """One line for the amount claimed, holding the invoice's retainage (`summary`); Procore's
    list gives no line items (§8.3)."""
    number = str(record.get("invoice_number") or f"Procore #{record.get('number') or record['id']}")
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    contract = record.get("contract_name") or "the commitment"
    line = (
        f"Invoice {number} on {contract}"[:300],
        money(record.get("total_claimed_amount")),
        money(summary.get("total_retainage")),
    )
    return RequisitionData(
        requisition_id=int(record["id"]),
        commitment_id=record.get("commitment_id"),
        vendor_id=record.get("vendor_id"),
        invoice_number=number[:100],
        billing_date=_date(record.get("billing_date")),
        period_start=_date(record.get("requisition_start")),
        period_end=_date(record.get("requisition_end")),
        procore_status=STATUSES.get(record.get("status"), str(record.get("status") or ""))[:40],
        updated_at=parse_datetime(record["updated_at"]) if record.get("updated_at") else None,
        lines=[line],
        vendor_name=str(record.get("vendor_name") or ""),
        contract_name=str(record.get("contract_name") or ""),
    )
