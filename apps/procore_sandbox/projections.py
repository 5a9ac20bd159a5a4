"""The documented `view` query parameter: which fields each view of an answer holds.

Only views whose OAS description names their fields are modelled (an unnamed difference is not
guessed): the operation's response schema is the fullest view, and a narrower view keeps or
drops the fields listed here. A request without `view` gets the documented default view.
"""

from typing import Any

CUSTOM_FIELDS = ("/rest/v1.0/custom_field_definitions", "/rest/v1.0/custom_field_definitions/{id}")
STANDARD_CODES = ("/rest/v1.0/standard_cost_codes", "/rest/v1.0/standard_cost_codes/sync")
OFFICES = ("/rest/v1.0/offices", "/rest/v1.0/offices/{id}")


def _only(*fields: str) -> tuple[str, frozenset[str]]:
    return "only", frozenset(fields)


def _without(*fields: str) -> tuple[str, frozenset[str]]:
    return "without", frozenset(fields)


IDS = ("ids", frozenset())
# template -> (default view, {view: rule}); views not listed hold every field of the schema.
VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    # "The default view returns the same as the extended view but excludes the attribute
    # custom_field_lov_entries." (Show/List Custom Field Definitions)
    **{t: ("default", {"default": _without("custom_field_lov_entries")}) for t in CUSTOM_FIELDS},
    # "The 'default' view only returns id and standard_cost_code_list_id. The 'compact' view
    # also includes origin_id." (List/Create/Sync Standard Cost Codes)
    **{
        t: (
            "default",
            {
                "default": _only("id", "standard_cost_code_list_id"),
                "compact": _only("id", "standard_cost_code_list_id", "origin_id"),
            },
        )
        for t in STANDARD_CODES
    },
    # "'ids' return only id as an Integer ..., 'compact' returns only id and name" (v1.1 List
    # projects); which of normal and extended is the default is not said, both hold the schema.
    "/rest/v1.1/projects": (
        "normal",
        {"ids": ("ids", frozenset()), "compact": _only("id", "name")},
    ),
    # "'normal' returns id, address, ... zip. 'extended' additionally returns main_office."
    **{t: ("normal", {"normal": _without("main_office")}) for t in OFFICES},
    # "The extended view is the same as the normal view but includes children_count,
    # legal_name, parent, and bidding. The default view is normal." (List project vendors)
    "/rest/v1.0/projects/{project_id}/vendors": (
        "normal",
        {"normal": _without("children_count", "legal_name", "parent", "bidding")},
    ),
}


def project(template: str, view: str | None, items: list[Any]) -> list[Any]:
    """The items as the asked (or default) view shows them."""
    if template not in VIEWS:
        return items
    default, rules = VIEWS[template]
    kind, fields = rules.get(view or default, ("all", frozenset()))
    if kind == "ids":
        return [item.get("id") if isinstance(item, dict) else item for item in items]
    if kind == "only":
        return [_keep(item, lambda key: key in fields) for item in items]
    if kind == "without":
        return [_keep(item, lambda key: key not in fields) for item in items]
    return items


def _keep(item: Any, wanted: Any) -> Any:
    return {k: v for k, v in item.items() if wanted(k)} if isinstance(item, dict) else item
