from django import template

from ..project_mapping import mapped_project_ids

register = template.Library()


@register.simple_tag
def procore_mapped(projects) -> set[int]:
    """`{% procore_mapped object_list as mapped %}`: ids of the listed projects in Procore."""
    return mapped_project_ids(projects)


@register.filter
def change_event_label(catalog, change_event_id) -> str:
    """ "12 Owner changes" for a Change Event of the push catalog."""
    event = catalog.change_event(change_event_id)
    return f"{event['number']} {event['title']}".strip() if event else f"#{change_event_id}"
