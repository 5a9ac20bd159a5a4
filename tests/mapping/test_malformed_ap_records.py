"""Commitments and requisitions with a missing field or a wrong type are a MappingError naming the
field, never a TypeError, KeyError or ValueError that would stop a project's whole import."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.procore_sync.ap_import.mapping import (
    commitment_fields,
    requisition_data,
    requisition_label,
    vendor_id_of,
)
from apps.procore_sync.mapping.common import MappingError, moment

REQUISITION = {
    "id": 41,
    "invoice_number": "INV-1",
    "status": "approved",
    "commitment_id": 7,
    "vendor_id": 9,
    "billing_date": "2026-10-31",
    "updated_at": "2026-11-01T10:00:00Z",
    "total_claimed_amount": "10000.00",
    "summary": {"total_retainage": "1000.00"},
}


def test_a_well_formed_requisition_maps_as_before():
    data = requisition_data(REQUISITION)
    assert (data.requisition_id, data.commitment_id, data.vendor_id) == (41, 7, 9)
    assert data.procore_status == "Approved" and data.invoice_number == "INV-1"
    assert data.updated_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert data.lines[0][1:] == (Decimal("10000.00"), Decimal("1000.00"))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": "not a number"}, "'id' should be a Procore id"),
        ({"id": None}, "'id' should be a Procore id, got None"),
        ({"status": {"name": "approved"}}, "'status' should be text, got dict"),
        ({"status": ["approved"]}, "'status' should be text, got list"),
        ({"updated_at": 12345}, "'updated_at' should be a date and time, got int"),
        ({"updated_at": "2026-02-30T10:00:00Z"}, "'updated_at' is not a date and time"),
        ({"billing_date": "2026-02-30"}, "'billing_date' is not a date"),
        ({"commitment_id": "SC-1"}, "'commitment_id' should be a Procore id"),
        ({"vendor_id": 1.5}, "'vendor_id' should be a Procore id"),
        ({"total_claimed_amount": "lots"}, "'total_claimed_amount' is not a number"),
        ({"summary": "[object Object]"}, "'summary' should be an object, got str"),
    ],
)
def test_a_wrong_field_names_itself(changes, reason):
    with pytest.raises(MappingError, match=reason.replace("(", r"\(")):
        requisition_data({**REQUISITION, **changes})


def test_a_record_that_is_not_an_object_is_refused_and_still_labelled():
    with pytest.raises(MappingError, match="should be an object, got str"):
        requisition_data("INV-1")
    assert requisition_label("INV-1") == "A Procore invoice"
    assert requisition_label({"id": 41, "invoice_number": 12345}) == "Procore invoice #41"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"id": 3, "vendor": "[object Object]"}, "'vendor' should be an object"),
        ({"id": 3, "vendor_id": "not a number"}, "'vendor_id' should be a Procore id"),
        ({"id": 3, "vendor": {"id": "x"}}, "'id' should be a Procore id"),
    ],
)
def test_a_contracts_vendor_of_the_wrong_type_names_itself(record, reason):
    with pytest.raises(MappingError, match=reason):
        vendor_id_of(record)


def test_a_contract_without_a_readable_number_or_id_is_refused():
    with pytest.raises(MappingError, match="'id' should be a Procore id"):
        commitment_fields({"id": "x", "title": "Drywall"}, "work_order_contracts")
    fields = commitment_fields({"id": 3, "number": 12, "grand_total": 5}, "work_order_contracts")
    assert (fields["number"], fields["grand_total"]) == ("12", Decimal("5.00"))


def test_a_moment_without_a_zone_is_utc():
    assert moment({"at": "2026-01-05T10:00:00"}, "at") == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert moment({"at": ""}, "at") is None and moment({}, "at") is None
