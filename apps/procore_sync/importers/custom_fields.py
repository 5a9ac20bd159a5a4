"""Refresh an office's custom field definitions from Procore before each import (one request)."""

import logging

from apps.offices.models import CustomField

from ..client import resources
from ..mapping.common import MappingError
from ..mapping.custom_fields import MAX_FIELDS, definition_from_procore
from .context import SyncContext

logger = logging.getLogger(__name__)


def custom_fields_refresh(ctx: SyncContext) -> dict[str, dict]:
    """The office's usable definitions by key; Trestle holds at most five."""
    definitions = []
    for record in resources.custom_field_definitions(
        ctx.client, company_id=ctx.connection.company_id
    ):
        definition = _readable(record)
        if definition is not None and definition["active"]:
            definitions.append(definition)
    definitions = definitions[:MAX_FIELDS]
    for position, definition in enumerate(definitions):
        CustomField.objects.update_or_create(
            office=ctx.office,
            key=definition["key"],
            defaults={**definition, "position": position},
        )
    keys = [d["key"] for d in definitions]
    CustomField.objects.filter(office=ctx.office).exclude(key__in=keys).update(active=False)
    return {d["key"]: d for d in definitions}


def _readable(record: dict) -> dict | None:
    """The definition, or None for a malformed one: it is left out like an unsupported type,
    so one bad definition costs its own values, not the whole import."""
    try:
        return definition_from_procore(record)
    except MappingError as exc:
        logger.warning("custom field definition %r left out: %s", record.get("id"), exc)
        return None
