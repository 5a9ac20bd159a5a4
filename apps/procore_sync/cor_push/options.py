"""What the user chose in the push wizard (or sent to the API), kept on the SyncRun as params."""

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError

from ..push_models import PushMode

CONTRACT_TYPES = ("prime_contract", "commitment")


@dataclass(frozen=True)
class PushOptions:
    """`change_event_id` None makes a new Change Event titled `title`.

    `budget_codes` maps a line key to a Procore WBS (budget) code id: "line:<CorLineItem id>" in
    line-item mode, "cor:<COR id>" in lump-sum mode; `default_budget_code_id` covers the rest.
    `contract` is {"type": "prime_contract" | "commitment", "id": <Procore id>}.
    """

    mode: str = PushMode.LINES
    change_event_id: int | None = None
    title: str = ""
    budget_codes: dict[str, int] = field(default_factory=dict)
    default_budget_code_id: int | None = None
    contract: dict = field(default_factory=dict)

    def as_params(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict) -> "PushOptions":
        """Build and check options from user input; ValidationError names what is wrong."""
        errors = {}
        mode = params.get("mode") or PushMode.LINES
        if mode not in PushMode.values:
            errors["mode"] = "Choose line items broken down or lump sum."
        change_event_id = _int_or_none(params.get("change_event_id"), "change_event_id", errors)
        title = (params.get("title") or "").strip()
        if change_event_id is None and not title:
            errors["title"] = "Give the new Change Event a title, or pick an existing one."
        codes = params.get("budget_codes") or {}
        if not isinstance(codes, dict):
            errors["budget_codes"] = "Budget codes map a line key to a budget code id."
            codes = {}
        budget_codes = {}
        for key, value in codes.items():
            if value in (None, ""):
                continue
            number = _int_or_none(value, f"budget_codes.{key}", errors)
            if number is not None:
                budget_codes[str(key)] = number
        default = _int_or_none(
            params.get("default_budget_code_id"), "default_budget_code_id", errors
        )
        contract = params.get("contract") or {}
        if contract and (
            not isinstance(contract, dict)
            or contract.get("type") not in CONTRACT_TYPES
            or _int_or_none(contract.get("id"), "contract", errors) is None
        ):
            errors["contract"] = "Choose the prime contract or a commitment."
        if errors:
            raise ValidationError(errors)
        if contract:
            contract = {"type": contract["type"], "id": int(contract["id"])}
        return cls(
            mode=mode,
            change_event_id=change_event_id,
            title=title,
            budget_codes=budget_codes,
            default_budget_code_id=default,
            contract=contract,
        )


def _int_or_none(value, name: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = "Must be a whole number."
        return None
    if number <= 0:
        errors[name] = "Must be a positive id."
        return None
    return number
