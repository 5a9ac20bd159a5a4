"""Custom fields (procore-api.md §3.8): definitions, and values read as
`custom_fields: {"custom_field_<id>": {"data_type": ..., "value": ...}}`, written back as top-level
`custom_field_<id>` keys (a single select as its list-of-values entry id)."""

from datetime import date

from .common import MappingError, is_procore_id, text

MAX_FIELDS = 5
MAX_TEXT = 255
TYPES = {"string": "text", "date": "date", "boolean": "checkbox", "lov_entry": "select"}


def definition_from_procore(record: dict) -> dict | None:
    """A definition Trestle can hold, or None for a type it does not support.

    Raises MappingError for a definition whose id, label or choices have the wrong type."""
    data_type = record.get("data_type")
    data_type = TYPES.get(data_type) if isinstance(data_type, str) else None
    if data_type is None:
        return None
    if not is_procore_id(record.get("id")):
        raise MappingError(f"'id' should be a Procore id, got {record.get('id')!r}")
    entries = record.get("custom_field_lov_entries") or []
    if not isinstance(entries, list):
        raise MappingError("'custom_field_lov_entries' should be a list")
    return {
        "key": str(record["id"]),
        "label": text(record, "label", 100) or f"Field {record['id']}",
        "data_type": data_type,
        "choices": [
            {"id": e["id"], "label": str(e.get("label", ""))}
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("id"), int)
        ],
        "active": record.get("active", True) is not False,
    }


def _value(definition: dict, raw):
    kind = definition["data_type"]
    if raw in (None, ""):
        return None
    if kind == "text":
        return str(raw)[:MAX_TEXT]
    if kind == "checkbox":
        if not isinstance(raw, bool):
            raise MappingError(f"custom field {definition['label']!r} should be true or false")
        return raw
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)[:10]).isoformat()
        except ValueError as exc:
            raise MappingError(f"custom field {definition['label']!r} is not a date") from exc
    if isinstance(raw, list):  # Procore sends list-of-values answers as arrays
        raw = raw[0] if raw else None
    entry_id = raw.get("id") if isinstance(raw, dict) else raw
    labels = {c["id"]: c["label"] for c in definition["choices"]}
    if not isinstance(entry_id, int) or entry_id not in labels:
        raise MappingError(f"custom field {definition['label']!r} has an unknown choice {raw!r}")
    return labels[entry_id]


def values_from_procore(record: dict, definitions: dict[str, dict]) -> dict:
    stored = record.get("custom_fields") or {}
    if not isinstance(stored, dict):
        raise MappingError("'custom_fields' should be an object")
    values = {}
    for key, definition in definitions.items():
        cell = stored.get(f"custom_field_{key}")
        raw = cell.get("value") if isinstance(cell, dict) else cell
        value = _value(definition, raw)
        if value is not None:
            values[key] = value
    return values


def values_to_procore(values: dict, definitions: dict[str, dict]) -> dict:
    out = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            continue
        if definition["data_type"] == "select":
            ids = [c["id"] for c in definition["choices"] if c["label"] == value]
            value = ids[0] if ids else None
        out[f"custom_field_{key}"] = value
    return out
