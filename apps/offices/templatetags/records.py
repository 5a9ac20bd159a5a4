from django import template

register = template.Library()


@register.filter
def attr(record, name: str):
    """`record|attr:"office.name"`: a dotted attribute (or dict key), for tables whose columns
    are data."""
    value = record
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value
