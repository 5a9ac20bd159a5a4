import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

MAX_ID = 2**63 - 1  # Procore ids are 64-bit; a larger one cannot be stored (BigIntegerField)


class MappingError(ValueError):
    """A Procore record that cannot be mapped; the message is shown on its SyncItem."""


def an_object(record: Any) -> dict:
    """The record, once it is a JSON object (a list entry or an answer may be anything)."""
    if not isinstance(record, dict):
        raise MappingError(f"the record should be an object, got {type(record).__name__}")
    return record


def required_text(record: dict, key: str, max_length: int = 200) -> str:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise MappingError(f"'{key}' should be text, got {type(value).__name__} {value!r}")
    if not value or not value.strip():
        raise MappingError(f"'{key}' is missing or empty")
    return value.strip()[:max_length]


def text(record: dict, key: str, max_length: int = 200) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise MappingError(f"'{key}' should be text, got {type(value).__name__}")
    return str(value).strip()[:max_length]


def procore_id(record: dict, key: str = "id", required: bool = True) -> int | None:
    value = record.get(key)
    if value is None and not required:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not is_procore_id(value):
        raise MappingError(f"'{key}' should be a Procore id, got {value!r}")
    return value


def is_procore_id(value: Any) -> bool:
    """A positive 64-bit integer (JSON's `true` is not one, though Python calls it an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def nested_id(record: dict, key: str) -> int | None:
    """The id of an embedded object such as `vendor: {id, name}`, or None."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MappingError(f"'{key}' should be an object, got {type(value).__name__}")
    return procore_id(value, "id", required=False)


def boolean(record: dict, key: str, default: bool = True) -> bool:
    value = record.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise MappingError(f"'{key}' should be true or false, got {value!r}")
    return value


def iso_date(record: dict, key: str) -> date | None:
    value = record.get(key)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MappingError(f"'{key}' is not a date: {value!r}") from exc


def moment(record: dict, key: str) -> datetime | None:
    """A timezone-aware moment (Procore's are UTC; one sent without a zone is read as UTC).

    Wrong types and impossible moments ("2026-02-30T10:00:00Z") are this record's error, not a
    TypeError or ValueError that would stop the batch."""
    value = record.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        kind = type(value).__name__
        raise MappingError(f"'{key}' should be a date and time, got {kind} {value!r}")
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well-formed but impossible
        parsed = None
    if parsed is None:
        raise MappingError(f"'{key}' is not a date and time: {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def decimal(
    record: dict, key: str, places: int | None = None, max_digits: int | None = None
) -> Decimal | None:
    """Procore sends money and coordinates as strings or numbers; never go through float.

    With `max_digits` (the column's), a number too large for it is this record's error rather
    than a database error that would stop the whole batch."""
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite() or isinstance(value, bool):
            raise InvalidOperation
        number = number.quantize(Decimal(1).scaleb(-places)) if places is not None else number
    except InvalidOperation as exc:
        raise MappingError(f"'{key}' is not a number: {value!r}") from exc
    if max_digits is not None and number and number.adjusted() >= max_digits - (places or 0):
        raise MappingError(f"'{key}' is out of range: {value!r}")
    return number


def fingerprint(fields: dict[str, Any]) -> str:
    """A stable digest of what was synced, to tell "changed since" without comparing rows."""
    payload = json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    """Outgoing dicts omit empty values so Trestle never blanks a field it does not hold."""
    return {k: v for k, v in fields.items() if v not in (None, "")}
