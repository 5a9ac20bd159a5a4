"""Pure mapping: a Procore commitment or requisition in, Trestle's fields out (no db, no HTTP).

A record with a missing field or a wrong type raises MappingError naming the field, so the flow
fails that one record and goes on with the rest."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from apps.ap_invoices.models import CommitmentKind

from ..mapping.common import (
    MappingError,
    an_object,
    decimal,
    iso_date,
    moment,
    nested_id,
    procore_id,
    text,
)

ZERO = Decimal("0.00")
MONEY_DIGITS = 14  # the money columns' max_digits
# procore-api.md §8.3 `filters[status]` values imported, and how Trestle shows each
STATUSES = {"approved": "Approved", "approved_as_noted": "Approved as noted"}
KINDS = {
    "work_order_contracts": CommitmentKind.SUBCONTRACT,
    "purchase_order_contracts": CommitmentKind.PURCHASE_ORDER,
}


def money(record: dict, key: str) -> Decimal:
    """An amount to the cent; absent is zero, anything but a number is this record's error."""
    amount = decimal(record, key, places=2, max_digits=MONEY_DIGITS)
    return ZERO if amount is None else amount


def vendor_id_of(record: dict) -> int | None:
    """A contract names its vendor as `vendor{id,...}` (list views) or `vendor_id`."""
    return nested_id(record, "vendor") or procore_id(record, "vendor_id", required=False)


def commitment_fields(record: dict, resource: str) -> dict:
    return {
        "kind": KINDS[resource],
        "number": (text(record, "number", 50) or str(procore_id(record)))[:50],
        "title": text(record, "title", 255),
        "status": text(record, "status", 40),
        "grand_total": money(record, "grand_total"),
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
    requisition_id = procore_id(an_object(record))
    number = (
        text(record, "invoice_number", 100)
        or f"Procore #{text(record, 'number') or requisition_id}"
    )
    summary = record.get("summary") or {}
    if not isinstance(summary, dict):
        raise MappingError(f"'summary' should be an object, got {type(summary).__name__}")
    contract = text(record, "contract_name")
    line = (
        f"Invoice {number} on {contract or 'the commitment'}"[:300],
        money(record, "total_claimed_amount"),
        money(summary, "total_retainage"),
    )
    status = text(record, "status", 40)
    return RequisitionData(
        requisition_id=requisition_id,
        commitment_id=procore_id(record, "commitment_id", required=False),
        vendor_id=procore_id(record, "vendor_id", required=False),
        invoice_number=number[:100],
        billing_date=iso_date(record, "billing_date"),
        period_start=iso_date(record, "requisition_start"),
        period_end=iso_date(record, "requisition_end"),
        procore_status=STATUSES.get(status, status.replace("_", " ").capitalize()),
        updated_at=moment(record, "updated_at"),
        lines=[line],
        vendor_name=text(record, "vendor_name"),
        contract_name=contract,
    )


def requisition_label(record: object) -> str:
    """How an invoice whose record could not be read is named on its item: what can be read."""
    found = record if isinstance(record, dict) else {}
    number, known = found.get("invoice_number"), found.get("id")
    if isinstance(number, str) and number.strip():
        return f"Invoice {number.strip()}"[:200]
    return f"Procore invoice #{known}"[:200] if isinstance(known, int) else "A Procore invoice"
