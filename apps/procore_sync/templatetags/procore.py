from django import template

from ..project_mapping import mapped_project_ids

register = template.Library()


@register.simple_tag
def procore_mapped(projects) -> set[int]:
    """`{% procore_mapped object_list as mapped %}`: ids of the listed projects in Procore."""
    return mapped_project_ids(projects)
