"""v1.0 Change Events (procore-api.md §7.1): what Procore works out when one is written.

The generic store keeps the event and merges its line items by id; this module adds the
sequential `number`, the deprecated `status` string, each line's `event_id`, its `contract` and
`vendor`, the cost code and cost type behind its budget code, and the automatic amount; a v1.1
PATCH sets the event's prime contract (`prime_contract_for_estimates`, §7.2). It also
refuses line changes on a closed event (a sandbox assumption, see `_refuse_closed_lines`).

Tests and the demo move an event between statuses as a Procore user would:
    change_events.status_set(company=company, change_event_id=123, status="Closed")
"""

import copy
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.http import HttpResponse

from . import generic, resources, store
from .context import Context
from .http import ApiError
from .models import SandboxCompany, SandboxRecord

CLOSED = "closed"
LINES = "change_event_line_items"  # stored and answered
LINE_ATTRIBUTES = "change_event_line_items_attributes"  # written (§7.1)
CENT = Decimal("0.01")
CLOSED_MESSAGE = "Change Event is closed"


def create(ctx: Context) -> HttpResponse:
    """POST /rest/v1.0/change_events?project_id=
    https://developers.procore.com/reference/rest/change-events?version=1.0
    """
    project = ctx.project(required=True)
    data = generic.fields(ctx, resources.CHANGE_EVENTS)
    with transaction.atomic():
        # One creation per project at a time, so two events never draw the same number.
        SandboxRecord.objects.select_for_update().filter(id=project.id).first()
        data |= _numbers(data.get("number"), project.id)
        record = generic.create_record(ctx, resources.CHANGE_EVENTS, data)
        derive(record)
    return generic.render_one(ctx, record)


def update(ctx: Context) -> HttpResponse:
    """PATCH /rest/v1.0/change_events/{id}?project_id= (lines with an `id` change in place)
    https://developers.procore.com/reference/rest/change-events?version=1.0
    """
    record = generic.one(ctx, resources.CHANGE_EVENTS)
    changes = _budget_codes_named(generic.fields(ctx, resources.CHANGE_EVENTS))
    _refuse_unknown_lines(record, changes.get(LINE_ATTRIBUTES))
    _refuse_closed_lines(record, changes)
    if changes.get("number") not in (None, ""):
        changes |= _numbers(changes["number"], record.project_id)
    with transaction.atomic():
        record = generic.update_record(record, changes)
        derive(record)
    generic.attach(record, ctx.files)
    return generic.render_one(ctx, record)


def update_v11(ctx: Context) -> HttpResponse:
    """PATCH /rest/v1.1/change_events/{id}?project_id= : the same Change Event in v1.1's terms
    (§7.2). Modelled: `prime_contract_for_estimates: {id}`, the one field v1.1 has for the
    event's prime contract (v1.0 has none); other fields are kept as given.
    https://developers.procore.com/reference/rest/change-events?version=1.1
    """
    record = generic.one(ctx, resources.CHANGE_EVENTS)
    changes = generic.fields(ctx, resources.CHANGE_EVENTS)
    with transaction.atomic():
        record = generic.update_record(record, changes)
        derive(record)
    return generic.render_one(ctx, _as_v11(record))


def _as_v11(record: SandboxRecord) -> SandboxRecord:
    """An unsaved copy whose fields carry v1.1's names: `status{id}`, `scope`, `external_data`."""
    data = record.data
    view = copy.copy(record)
    view.data = {
        **data,
        "status": _ref(data.get("change_event_status_id")),
        "scope": data.get("event_scope"),
        "external_data": {"origin_id": record.origin_id, "origin_data": data.get("origin_data")},
    }
    return view


def _budget_codes_named(changes: dict[str, Any]) -> dict[str, Any]:
    """The PATCH schema names a line's budget code `wbs_code_id` (`{id}`, as published) where
    the POST names it `budget_code: {id}`; both are stored and answered as `budget_code`."""
    lines = changes.get(LINE_ATTRIBUTES)
    if not isinstance(lines, list):
        return changes
    named = []
    for line in lines:
        if isinstance(line, dict) and "wbs_code_id" in line:
            code = line["wbs_code_id"]
            code_id = code.get("id") if isinstance(code, dict) else code
            line = {k: v for k, v in line.items() if k != "wbs_code_id"}
            line["budget_code"] = _ref(code_id)
        named.append(line)
    return {**changes, LINE_ATTRIBUTES: named}


def status_set(*, company: SandboxCompany, change_event_id: int, status: str) -> SandboxRecord:
    """Move a Change Event to the company's status named `status` (Open, Pending, Closed).

    Raises SandboxRecord.DoesNotExist for an unknown event and ValueError for an unknown status.
    """
    record = SandboxRecord.objects.get(
        company=company, resource="change_events", id=change_event_id, deleted_at=None
    )
    found = _statuses(company).filter(data__name__iexact=status).first()
    if found is None:
        raise ValueError(f"no change event status named {status!r}")
    with transaction.atomic():
        store.record_update(record, {"change_event_status_id": found.id})
        derive(record)
    return record


def derive(record: SandboxRecord) -> None:
    """Fill and save the fields Procore derives from what was written."""
    data = record.data
    status = _statuses(record.company).filter(id=_int(data.get("change_event_status_id"))).first()
    if status is not None:  # §7.1: deprecated `status` is "open" or "closed"
        data["status"] = CLOSED if _closed(status) else "open"
    data["prime_contract_for_estimates"] = _prime_contract(record)
    lines = data.get(LINES) or []
    codes = _budget_codes(record.company, lines)
    data[LINES] = [_line(record.id, line, codes) for line in lines]
    record.save(update_fields=["data"])


def _line(event_id: int, line: dict[str, Any], codes: dict[int, SandboxRecord]) -> dict[str, Any]:
    line = {**line, "event_id": event_id}
    line["contract"] = _ref(line.get("proposed_contract_id"))
    line["vendor"] = _ref(line.get("proposed_vendor_id"))
    code_id = _int((line.get("budget_code") or {}).get("id"))
    line["budget_code"] = _ref(code_id)  # shaping expands {"id"} from the WBS code itself
    if code_id in codes:  # the budget code stands for one cost code and one cost type (§6)
        code = codes[code_id].data
        line["cost_code_id"] = code.get("cost_code_id", line.get("cost_code_id"))
        line["line_item_type_id"] = code.get("line_item_type_id", line.get("line_item_type_id"))
    if line.get("estimated_cost_calculation_strategy") == "automatic":
        amount = _product(line.get("estimated_cost_quantity"), line.get("estimated_cost_unit_cost"))
        if amount is not None:
            line["estimated_cost_amount"] = str(amount)
    return line


def _prime_contract(record: SandboxRecord) -> dict[str, Any] | None:
    """v1.1 answers `prime_contract_for_estimates{id, number, name}`; a prime contract's name
    is its title (a sandbox assumption: Procore's prime contracts have no `name`)."""
    chosen = record.data.get("prime_contract_for_estimates")
    contract_id = _int(chosen.get("id")) if isinstance(chosen, dict) else None
    found = SandboxRecord.objects.filter(
        company=record.company, resource="prime_contracts", id=contract_id
    ).first()
    if found is None:
        return None
    return {"id": found.id, "number": found.data.get("number"), "name": found.data.get("title")}


def _numbers(given: Any, project_id: int | None) -> dict[str, Any]:
    """§7.1: `number` is an integer with the alpha characters stripped, `alphanumeric_number`
    the number as given; without one, the project's next number (deleted events count)."""
    if given in (None, ""):
        taken = SandboxRecord.objects.filter(resource="change_events", project_id=project_id)
        numbers = [_int(n) for n in taken.values_list("data__number", flat=True)]
        given = max((n for n in numbers if n is not None), default=0) + 1
    digits = re.sub(r"\D", "", str(given))
    return {"number": int(digits) if digits else None, "alphanumeric_number": str(given)}


def _refuse_unknown_lines(record: SandboxRecord, attributes: Any) -> None:
    """Sandbox assumption: a line `id` that is not a line of this event is refused, not ignored
    (procore-api.md does not say; Rails nested attributes refuse unknown ids too)."""
    known = {line.get("id") for line in record.data.get(LINES) or []}
    errors = {
        f"{LINE_ATTRIBUTES}.{index}.id": ["is invalid"]
        for index, line in enumerate(attributes if isinstance(attributes, list) else [])
        if isinstance(line, dict) and line.get("id") and _int(line["id"]) not in known
    }
    if errors:
        raise ApiError(422, "Validation failed", errors)


def _refuse_closed_lines(record: SandboxRecord, changes: dict[str, Any]) -> None:
    """Sandbox assumption, not in procore-api.md (§3.6 lists "invalid status transition" among
    422s): line items of an event whose status maps to closed cannot change. The status after
    this request counts, so one PATCH may reopen an event and change its lines."""
    if not changes.get(LINE_ATTRIBUTES):
        return
    status_id = changes.get("change_event_status_id", record.data.get("change_event_status_id"))
    status = _statuses(record.company).filter(id=_int(status_id)).first()
    if status is not None and _closed(status):
        raise ApiError(422, CLOSED_MESSAGE, {LINE_ATTRIBUTES: [CLOSED_MESSAGE]})


def _statuses(company: SandboxCompany) -> Any:
    return SandboxRecord.objects.filter(
        company=company, resource="change_event_statuses", deleted_at=None
    )


def _closed(status: SandboxRecord) -> bool:
    return str(status.data.get("mapped_to_status") or "").lower() == CLOSED


def _budget_codes(company: SandboxCompany, lines: list[dict[str, Any]]) -> dict[int, Any]:
    wanted = {_int((line.get("budget_code") or {}).get("id")) for line in lines}
    found = SandboxRecord.objects.filter(company=company, resource="wbs_codes", id__in=wanted)
    return {record.id: record for record in found}


def _product(quantity: Any, unit_cost: Any) -> Decimal | None:
    """Quantity x unit cost, rounded half up to cents (the rounding is a sandbox assumption)."""
    try:
        product = Decimal(str(quantity)) * Decimal(str(unit_cost))
    except InvalidOperation:
        return None
    return product.quantize(CENT, rounding=ROUND_HALF_UP)


def _ref(value: Any) -> dict[str, int] | None:
    record_id = _int(value)
    return None if record_id is None else {"id": record_id}


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    return int(value) if str(value).isdigit() else None
