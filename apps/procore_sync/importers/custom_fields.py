"""Refresh an office's custom field definitions from Procore before each import (one request)."""

from apps.offices.models import CustomField

from ..client import resources
from ..mapping.custom_fields import MAX_FIELDS, definition_from_procore
from .context import SyncContext


def custom_fields_refresh(ctx: SyncContext) -> dict[str, dict]:
    """The office's usable definitions by key; Trestle holds at most five."""
    definitions = []
    for record in resources.custom_field_definitions(
        ctx.client, company_id=ctx.connection.company_id
    ):
        definition = definition_from_procore(record) if isinstance(record.get("id"), int) else None
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
