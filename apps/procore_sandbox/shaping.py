"""Answers in Procore's shape: the operation's OAS response schema decides the keys and types.

Every key of the schema is present (null when unknown), values are cast to the schema's type
(money and hours as strings where Procore sends strings, §3.6), enum spelling follows the
schema (`create` -> `CREATE` for webhook triggers), and an object field such as `vendor` is
filled from the record that `vendor_id` (or `vendor: {"id": ..}`) points at.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest

from .models import SandboxRecord

Lookup = dict[int, SandboxRecord]


def base(record: SandboxRecord) -> dict[str, Any]:
    """The record's stored fields plus the ones the sandbox owns."""
    data = dict(record.data)
    if "name" not in data and ("first_name" in data or "last_name" in data):
        data["name"] = f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
    data.update(
        id=record.id,
        origin_id=data.get("origin_id") if record.origin_id is None else record.origin_id,
        created_at=_iso(record.created_at),
        updated_at=_iso(record.updated_at),
        deleted_at=_iso(record.deleted_at),
        company_id=record.company_id,
    )
    data.setdefault("company", {"id": record.company_id, "name": record.company.name})
    if record.project_id:
        data.setdefault("project_id", record.project_id)
    if record.resource == "webhook_hooks":
        data["destination_headers"] = _masked(data.get("destination_headers"))
    return data


def _masked(headers: Any) -> Any:
    """§10.1: a hook's Authorization header is shown masked to its last 5 characters."""
    if not isinstance(headers, dict) or not isinstance(headers.get("Authorization"), str):
        return headers
    secret = headers["Authorization"]
    return {**headers, "Authorization": "*" * max(len(secret) - 5, 0) + secret[-5:]}


def shape_many(
    records: list[SandboxRecord], schema: dict[str, Any] | None, request: HttpRequest
) -> list[Any]:
    bases = [base(record) for record in records]
    records_by_id = lookup(bases)
    return [fit(item, schema, records_by_id, request) for item in bases]


def fit(value: Any, schema: Any, found: Lookup, request: HttpRequest) -> Any:
    if not isinstance(schema, dict) or value is None:
        return value
    if schema.get("type") == "array" or "items" in schema:
        items = value if isinstance(value, list) else []
        return [fit(item, schema.get("items"), found, request) for item in items]
    properties = schema.get("properties")
    if properties:
        if not isinstance(value, dict):
            return value
        if schema.get("x-collapsed-in-source"):
            return value
        shaped = {
            key: _field(value, key, sub, found, request)
            for key, sub in properties.items()
            if "%{" not in key
        }
        # Keys named by a template, such as custom_field_%{definition_id} (§3.8), pass through.
        prefixes = tuple(key.split("%{")[0] for key in properties if "%{" in key)
        if prefixes:
            shaped |= {k: v for k, v in value.items() if k.startswith(prefixes)}
        return shaped
    return _scalar(value, schema, request)


def _field(obj: dict[str, Any], key: str, schema: Any, found: Lookup, request: HttpRequest) -> Any:
    value = obj.get(key)
    is_object = isinstance(schema, dict) and "properties" in schema
    ref = obj.get(f"{key}_id") if value is None else None
    if isinstance(value, dict) and set(value) == {"id"}:
        ref = value["id"]
    if is_object and _as_int(ref) in found:
        value = {**base(found[_as_int(ref)]), **(value or {})}
    return fit(value, schema, found, request)


def _scalar(value: Any, schema: dict[str, Any], request: HttpRequest) -> Any:
    kind = schema.get("type")
    if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(Decimal(str(value)))
    elif kind == "integer" and _as_int(value) is not None:
        value = _as_int(value)
    elif kind == "number" and isinstance(value, str):
        try:
            value = float(Decimal(value))
        except InvalidOperation:
            return value
    elif kind == "boolean" and isinstance(value, str):
        value = value in ("true", "1")
    if isinstance(value, str) and value not in schema.get("enum", [value]):
        value = next((e for e in schema["enum"] if str(e).lower() == value.lower()), value)
    if isinstance(value, str) and value.startswith("/procore-sandbox/"):
        value = request.build_absolute_uri(value)  # attachment urls point back at the sandbox
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def lookup(items: list[dict[str, Any]]) -> Lookup:
    """Every record the items point at, in one query."""
    wanted: set[int] = set()
    for item in items:
        _collect(item, wanted, depth=0)
    return {
        record.id: record
        for record in SandboxRecord.objects.select_related("company").filter(id__in=wanted)
    }


def _collect(value: Any, wanted: set[int], depth: int) -> None:
    if depth > 3:
        return
    if isinstance(value, list):
        for item in value:
            _collect(item, wanted, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if (key.endswith("_id") or (key == "id" and depth)) and _as_int(item) is not None:
                wanted.add(_as_int(item))
            elif isinstance(item, dict | list):
                _collect(item, wanted, depth + 1)


def _iso(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def string_ids(value: Any) -> Any:
    """procore-api.md §3.2: v2 ids are strings, also where the OAS item schema is collapsed."""
    if isinstance(value, list):
        return [string_ids(item) for item in value]
    if isinstance(value, dict):
        return {
            key: str(item)
            if (key == "id" or key.endswith("_id")) and _as_int(item) is not None
            else string_ids(item)
            for key, item in value.items()
        }
    return value
