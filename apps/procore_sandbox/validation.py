"""Request-body validation against the OAS schema of the operation (procore-api.md §3.6).

Types are checked the way Procore's Rails backend casts them: `"12"` is a fine integer and
`null` a fine value for any optional field, but an object where a number belongs, a missing
required key or a value outside an enum is a 422 with the offending field named.
"""

import re
from functools import cache
from typing import Any

from jsonschema import Draft4Validator, validators

from . import oas

SCOPE_KEYS = ("company_id", "project_id")  # may come from the query or path instead (§3.2)
# §9.1 / §12.9: the OAS marks hours, lunch_time, time_in and time_out all required, while the
# docs post either `hours` or `time_in` + `time_out`; accept each documented set.
ALTERNATIVES = {
    ("post", "/rest/v1.0/projects/{project_id}/timecard_entries"): (
        "timecard_entry",
        [("hours",), ("time_in", "time_out")],
    ),
}
# The OAS writes `uom` of change-event line items as enum ["Any value present in the Company
# list of Units of Measure"] (procore-api.md §7.1: "<company UOM>"); the sandbox keeps no UOM list.
PLACEHOLDER = "Any value present in"
_INTEGER = re.compile(r"-?\d+")
CUSTOM_FIELD = re.compile(r"custom_field_\d+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or bool(
        isinstance(value, str) and _NUMBER.fullmatch(value)
    )


def _integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) or bool(isinstance(value, str) and _INTEGER.fullmatch(value))


_CHECKS = {
    "integer": _integer,
    "number": _number,
    "string": lambda v: isinstance(v, str) or _number(v),
    "boolean": lambda v: isinstance(v, bool) or v in ("true", "false", "1", "0", 0, 1),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _nullable(check: Any) -> Any:
    return lambda _checker, value: value is None or check(value)


_type_checker = Draft4Validator.TYPE_CHECKER.redefine_many(
    {name: _nullable(check) for name, check in _CHECKS.items()}
)
LenientValidator = validators.extend(Draft4Validator, type_checker=_type_checker)


def _nullable_enums(schema: Any) -> Any:
    """Copy of `schema` where every enum also admits null (an unset optional field)."""
    if isinstance(schema, list):
        return [_nullable_enums(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: _nullable_enums(value) for key, value in schema.items()}
    if "enum" in copy and all(str(e).startswith(PLACEHOLDER) for e in copy["enum"]):
        del copy["enum"]  # a description, not a list: any company value is accepted
    elif "enum" in copy:
        copy["enum"] = [*copy["enum"], None]
    return copy


@cache
def _validator(method: str, template: str) -> Any:
    op = oas.spec()["paths"][template][method]
    schema = oas.Operation(method, template, op).body_schema()
    if not schema:
        return None
    schema = _nullable_enums(schema)
    schema["required"] = [key for key in schema.get("required", []) if key not in SCOPE_KEYS]
    if (method, template) in ALTERNATIVES:
        wrapper, _ = ALTERNATIVES[method, template]
        schema["properties"][wrapper].pop("required", None)
    return LenientValidator(schema)


def body_errors(op: oas.Operation, body: Any) -> dict[str, list[str]]:
    """Field path -> messages; empty when the body fits the operation's schema."""
    validator = _validator(op.method, op.template)
    if validator is None:
        return {}
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(body):
        path = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            path.append(error.message.split("'")[1])
            message = "is missing"
        else:
            message = error.message
        errors.setdefault(".".join(path) or "base", []).append(message)
    return errors | _missing_alternative(op, body) | _undeclared(op, body)


def _undeclared(op: oas.Operation, body: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    _walk_undeclared(op.body_schema() or {}, body, [], found)
    return found


def _walk_undeclared(schema: Any, value: Any, path: list[str], found: dict) -> None:
    """Keys the schema does not declare, at any depth. A node the source collapsed
    (`x-collapsed-in-source`) is unknown, not empty: anything goes below it. Keys named by a
    template (`custom_field_%{definition_id}`) admit every key with that prefix, and §3.8
    documents `custom_field_<definition id>` keys inside any resource object."""
    if not isinstance(schema, dict) or schema.get("x-collapsed-in-source"):
        return
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk_undeclared(schema["items"], item, [*path, str(index)], found)
        return
    properties = schema.get("properties")
    if not isinstance(value, dict) or not properties:
        return
    prefixes = tuple(key.split("%{")[0] for key in properties if "%{" in key)
    for key, item in value.items():
        if key in properties:
            _walk_undeclared(properties[key], item, [*path, key], found)
        elif not (prefixes and key.startswith(prefixes)) and not CUSTOM_FIELD.fullmatch(key):
            found[".".join([*path, key])] = ["is not a field of this operation"]


def _missing_alternative(op: oas.Operation, body: Any) -> dict[str, list[str]]:
    wrapper, choices = ALTERNATIVES.get((op.method, op.template), (None, []))
    fields = body.get(wrapper) if isinstance(body, dict) else None
    if not isinstance(fields, dict) or any(
        all(fields.get(k) is not None for k in c) for c in choices
    ):
        return {}
    return {f"{wrapper}.{choices[0][0]}": ["is missing"]}
