"""The Procore line items a COR becomes, and how to recognise them again in a Change Event.

Procore's v1.0 change-event line items carry no origin_id (procore-api.md §7.1), so each line
we write ends with a short reference tag ("[T123]" for COR line 123, "[TM123]" for its markup,
"[TC45]" for COR 45 as a lump sum). The tag finds our lines after a lost response and keeps a
re-push from adding them twice; the Procore line ids we learn are kept on the CorPush.

Markup: Procore works a line's amount out as quantity x unit cost ("automatic"), so a COR line
goes with its own quantity and unit cost, and its markup, when it has one, goes as a line of its
own under the same budget code (quantity 1, unit cost = the markup). Every Procore line then
holds quantity x unit cost = amount, each budget code carries what the COR puts on it, and the
COR's lines add up to its total. (One markup line per COR would need one budget code for markup
spread over several.) A lump sum is quantity 1 x the COR's total, markup included.

Credits: a negative quantity or unit cost is a credit line; Procore's amounts may be negative.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from apps.cors.models import ChangeOrderRequest, CorLineItem, money

from ..push_models import PushMode
from .catalog import Catalog
from .options import PushOptions

TAG = re.compile(r"\[T([CM]?\d+)\]\s*$")
KINDS = {"C": "cor", "M": "markup"}  # tag letter -> key kind; no letter: a COR line
REMOVED = "Removed from COR: "
# Trestle cost type -> the code of Procore's standard cost type (line item type) segment item.
COST_TYPE_CODES = {
    "labor": "L",
    "material": "M",
    "equipment": "E",
    "subcontract": "S",
    "other": "O",
}
DESCRIPTION_MAX = 255


@dataclass(frozen=True)
class WantedLine:
    key: str  # "line:<CorLineItem id>", "markup:<CorLineItem id>" or "cor:<COR id>"
    description: str
    quantity: Decimal
    unit: str
    unit_cost: Decimal
    budget_code_id: int | None
    cost_code: object | None = None
    cost_type: str = ""

    @property
    def amount(self) -> Decimal:
        """What Procore works out: quantity x unit cost, to the cent (as the COR rounds)."""
        return money(self.quantity * self.unit_cost)

    @property
    def is_markup(self) -> bool:
        return self.key.startswith("markup:")


def tag_of(key: str) -> str:
    kind, number = key.split(":")
    letter = next((k for k, v in KINDS.items() if v == kind), "")
    return f"[T{letter}{number}]"


def key_of(description: str) -> str | None:
    match = TAG.search(description or "")
    if match is None:
        return None
    value = match.group(1)
    return f"{KINDS.get(value[0], 'line')}:{value.lstrip('CM')}"


def label(cor: ChangeOrderRequest) -> str:
    return f"COR-{cor.number:03d}"


def proposed_budget_code(catalog: Catalog, cost_code, cost_type: str) -> int | None:
    """The project's budget code made of this cost code and cost type, where one exists."""
    if cost_code is None:
        return None
    wanted = {cost_code.code, COST_TYPE_CODES.get(cost_type, "")}
    for code in catalog.budget_codes:
        if code["active"] and wanted <= set(code["codes"]):
            return code["id"]
    flat = f"{cost_code.code}.{COST_TYPE_CODES.get(cost_type, '')}"
    return next((c["id"] for c in catalog.budget_codes if c["flat_code"] == flat), None)


def wanted_lines(
    cor: ChangeOrderRequest, lines: list[CorLineItem], options: PushOptions, catalog: Catalog
) -> list[WantedLine]:
    """What `cor` should look like in the Change Event under `options`."""
    if options.mode == PushMode.LUMP_SUM:
        key = f"cor:{cor.pk}"
        first = lines[0] if lines else None
        code = options.budget_codes.get(key) or options.default_budget_code_id
        if code is None and first is not None:
            code = proposed_budget_code(catalog, first.cost_code, first.cost_type)
        return [
            WantedLine(
                key=key,
                description=_text(f"{label(cor)}: {cor.title}", key),
                quantity=Decimal("1"),
                unit="LS",
                unit_cost=cor.total,
                budget_code_id=code,
            )
        ]
    wanted = []
    for line in lines:
        key = f"line:{line.pk}"
        code = options.budget_codes.get(key) or proposed_budget_code(
            catalog, line.cost_code, line.cost_type
        )
        cost = WantedLine(
            key=key,
            description=_text(f"{label(cor)}: {line.description}", key),
            quantity=line.quantity,
            unit=line.unit,
            unit_cost=line.unit_cost,
            budget_code_id=code or options.default_budget_code_id,
            cost_code=line.cost_code,
            cost_type=line.cost_type,
        )
        wanted.append(cost)
        if line.markup:
            wanted.append(_markup(cor, line, cost))
    return wanted


def _markup(cor: ChangeOrderRequest, line: CorLineItem, cost: WantedLine) -> WantedLine:
    """The markup of `line` as a line of its own, on the same budget code as the cost."""
    key = f"markup:{line.pk}"
    text = f"{label(cor)}: markup {line.markup_percent.normalize():f}% on {line.description}"
    return WantedLine(
        key=key,
        description=_text(text, key),
        quantity=Decimal("1"),
        unit="LS",
        unit_cost=line.markup,
        budget_code_id=cost.budget_code_id,
        cost_code=line.cost_code,
        cost_type=line.cost_type,
    )


def _text(description: str, key: str) -> str:
    tag = " " + tag_of(key)
    return description[: DESCRIPTION_MAX - len(tag)] + tag


def line_attributes(line: WantedLine, contract: dict | None, procore_id: int | None) -> dict:
    """One entry of `change_event_line_items_attributes` (procore-api.md §7.1). Procore works
    the amount out ("automatic"); the markup is a line of its own (see the module's docstring).
    Only a commitment goes on a line: v1.0 lines name no prime contract (push.py sets that on
    the Change Event)."""
    attrs = {
        "description": line.description,
        "estimated_cost_quantity": float(line.quantity),
        "estimated_cost_unit_cost": float(line.unit_cost),
        "estimated_cost_calculation_strategy": "automatic",
        "budget_code": {"id": line.budget_code_id},
    }
    if line.unit:
        attrs["uom"] = line.unit
    if contract and contract.get("type") == "commitment":
        attrs["proposed_contract_id"] = contract["id"]
        if contract.get("vendor_id"):
            attrs["proposed_vendor_id"] = contract["vendor_id"]
    if procore_id is not None:
        attrs["id"] = procore_id
    return attrs


def removed_attributes(procore_id: int, description: str) -> dict:
    """v1.0 has no line delete: a line the COR no longer has is zeroed and says so."""
    text = description if description.startswith(REMOVED) else REMOVED + description
    return {
        "id": procore_id,
        "description": text[:DESCRIPTION_MAX],
        "estimated_cost_quantity": 0,
        "estimated_cost_unit_cost": 0,
        "estimated_cost_amount": 0,
        "estimated_cost_calculation_strategy": "manual",
    }


def ours(change_event: dict) -> dict[str, dict]:
    """The Change Event's line items that Trestle wrote, by our key."""
    found = {}
    for item in change_event.get("change_event_line_items") or []:
        if isinstance(item, dict) and (key := key_of(str(item.get("description") or ""))):
            found[key] = item
    return found
