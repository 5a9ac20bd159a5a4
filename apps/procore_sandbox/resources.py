"""Which stored resource each Procore collection path serves, and how (procore-api.md §4-§10).

The OAS says which operations exist; this table says what they mean. An operation on
`<collection>` is a list (GET) or a create (POST), on `<collection>/{id}` a show, update or
delete, on `<collection>/sync` a sync action (§3.7). Anything else is in `special.py`.
"""

from dataclasses import dataclass

COMPANY = "company"
PROJECT = "project"


@dataclass(frozen=True)
class Resource:
    name: str  # stored `SandboxRecord.resource`
    wrapper: str | None  # body key holding the object: {"project_id": 1, "sub_job": {...}}
    scope: str = PROJECT  # PROJECT records need a project of the company (§3.2)
    parent: str | None = None  # path/query/body parameter naming the parent record
    parent_field: str | None = None  # the answer's key for the parent, when not `parent`
    also: tuple[str, ...] = ()  # more stored resources a list returns (commitments = WOC + POC)
    per_page: int = 100  # §3.3: default 100 is the likely v1 default
    max_per_page: int = 2000  # §3.3: the docs recommend per_page up to 2,000
    today_by_default: bool = False  # §3.4: daily logs without date params list today's only


PROJECTS = Resource("projects", "project", COMPANY)
USERS = Resource("users", "user", COMPANY)
PEOPLE = Resource("people", "person", COMPANY)
WORK_CLASSIFICATIONS = Resource("work_classifications", "work_classification", COMPANY)
TIME_TYPES = Resource("timecard_time_types", "timecard_time_type", COMPANY)
SEGMENTS = Resource("wbs_segments", "segment", COMPANY)
SEGMENT_ITEMS = Resource("wbs_segment_items", None, COMPANY, parent="segment_id")
WBS_CODES = Resource("wbs_codes", None)
CHANGE_EVENTS = Resource("change_events", "change_event")
CE_STATUSES = Resource("change_event_statuses", None, COMPANY)
CHANGE_REASONS = Resource("change_order_change_reasons", None, COMPANY)
CHANGE_TYPES = Resource("change_types", None, COMPANY)
PRIME_CONTRACTS = Resource("prime_contracts", "prime_contract")
WOC = Resource("work_order_contracts", "work_order_contract")
POC = Resource("purchase_order_contracts", "purchase_order_contract")
COMMITMENTS = Resource("work_order_contracts", None, also=("purchase_order_contracts",))
TIMECARD_ENTRIES = Resource("timecard_entries", "timecard_entry")
VENDORS = Resource("vendors", "vendor", COMPANY)
HOOKS = Resource("webhook_hooks", "hook", COMPANY)
TRIGGERS = Resource(
    "webhook_triggers", "trigger", COMPANY, parent="hook_id", parent_field="webhook_hook_id"
)
V2_HOOKS = Resource("webhook_hooks", None, COMPANY, per_page=10, max_per_page=100)
V2 = {"per_page": 10, "max_per_page": 100}  # §3.2: v2 pages default to 10, at most 100

COLLECTIONS: dict[str, Resource] = {
    "/rest/v1.0/projects": PROJECTS,
    "/rest/v1.1/projects": Resource("projects", "project", COMPANY, max_per_page=300),
    "/rest/v1.0/companies/{company_id}/projects": PROJECTS,
    "/rest/v1.0/sub_jobs": Resource("sub_jobs", "sub_job"),
    "/rest/v1.0/offices": Resource("offices", "office", COMPANY),
    "/rest/v1.0/companies/{company_id}/users": USERS,
    "/rest/v1.3/companies/{company_id}/users": USERS,
    "/rest/v1.0/users": USERS,
    "/rest/v1.0/projects/{project_id}/users": USERS,
    "/rest/v1.0/companies/{company_id}/people": PEOPLE,
    "/rest/v1.0/projects/{project_id}/people": PEOPLE,
    "/rest/v1.0/projects/{project_id}/crews": Resource("crews", "crew"),
    "/rest/v1.0/companies/{company_id}/work_classifications": WORK_CLASSIFICATIONS,
    "/rest/v1.0/projects/{project_id}/work_classifications": WORK_CLASSIFICATIONS,
    "/rest/v1.0/companies/{company_id}/timecard_time_types": TIME_TYPES,
    "/rest/v1.0/timecard_time_types": TIME_TYPES,
    "/rest/v1.0/cost_codes": Resource("cost_codes", "cost_code"),
    "/rest/v1.0/standard_cost_code_lists": Resource("standard_cost_code_lists", None, COMPANY),
    "/rest/v1.0/standard_cost_codes": Resource(
        "standard_cost_codes", "standard_cost_code", COMPANY, parent="standard_cost_code_list_id"
    ),
    "/rest/v1.0/line_item_types": Resource("line_item_types", "line_item_type", COMPANY),
    "/rest/v1.0/companies/{company_id}/work_breakdown_structure/segments": SEGMENTS,
    "/rest/v1.0/projects/{project_id}/work_breakdown_structure/segments": SEGMENTS,
    "/rest/v1.0/companies/{company_id}/work_breakdown_structure/segments/{segment_id}"
    "/segment_items": SEGMENT_ITEMS,
    "/rest/v1.0/projects/{project_id}/work_breakdown_structure/segments/{segment_id}"
    "/segment_items": SEGMENT_ITEMS,
    "/rest/v1.0/projects/{project_id}/work_breakdown_structure/wbs_codes": WBS_CODES,
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/wbs/codes": Resource(
        "wbs_codes", None, **V2
    ),
    "/rest/v1.0/change_events": CHANGE_EVENTS,
    "/rest/v1.1/change_events": CHANGE_EVENTS,
    "/rest/v1.0/change_event/statuses": CE_STATUSES,
    "/rest/v2.0/companies/{company_id}/change_events/statuses": CE_STATUSES,
    "/rest/v1.0/change_order_change_reasons": CHANGE_REASONS,
    "/rest/v2.0/companies/{company_id}/change_order_change_reasons": CHANGE_REASONS,
    "/rest/v1.0/change_types": CHANGE_TYPES,
    "/rest/v2.0/companies/{company_id}/change_event/types": CHANGE_TYPES,
    "/rest/v1.0/prime_contracts": PRIME_CONTRACTS,
    "/rest/v1.0/prime_contract": PRIME_CONTRACTS,
    "/rest/v1.0/prime_contracts/{prime_contract_id}/line_items": Resource(
        "prime_contract_line_items", None, parent="prime_contract_id"
    ),
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/prime_contracts": Resource(
        "prime_contracts", None, **V2
    ),
    "/rest/v1.0/commitments": COMMITMENTS,
    "/rest/v1.0/work_order_contracts": WOC,
    "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items": Resource(
        "commitment_line_items", None, parent="work_order_contract_id"
    ),
    "/rest/v1.0/purchase_order_contracts": POC,
    "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items": Resource(
        "commitment_line_items", None, parent="purchase_order_contract_id"
    ),
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_contracts": Resource(
        "work_order_contracts", None, also=("purchase_order_contracts",), **V2
    ),
    "/rest/v1.0/timecard_entries": TIMECARD_ENTRIES,
    "/rest/v1.0/projects/{project_id}/timecard_entries": Resource(
        "timecard_entries", "timecard_entry", today_by_default=True
    ),
    "/rest/v1.0/companies/{company_id}/timecard_entries": Resource(
        "timecard_entries", "timecard_entry", COMPANY
    ),
    "/rest/v1.1/projects/{project_id}/project_timecard_entries": Resource(
        "timecard_entries", "timecard_entry"
    ),
    "/rest/v1.0/projects/{project_id}/timesheets": Resource("timesheets", "timesheet"),
    "/rest/v1.0/projects/{project_id}/manpower_logs": Resource(
        "manpower_logs", "manpower_log", today_by_default=True
    ),
    "/rest/v1.0/projects/{project_id}/quantity_logs": Resource(
        "quantity_logs", "quantity_log", today_by_default=True
    ),
    "/rest/v1.0/requisitions": Resource("requisitions", "requisition"),
    "/rest/v1.1/requisitions": Resource("requisitions", "requisition", per_page=30),
    "/rest/v1.0/contract_payments": Resource("contract_payments", "contract_payment"),
    "/rest/v1.0/vendors": VENDORS,
    "/rest/v1.0/projects/{project_id}/vendors": VENDORS,
    "/rest/v1.0/webhooks/hooks": HOOKS,
    "/rest/v1.0/webhooks/hooks/{hook_id}/triggers": TRIGGERS,
    "/rest/v2.0/companies/{company_id}/webhooks/hooks": V2_HOOKS,
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks/hooks": V2_HOOKS,
    "/rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/triggers": Resource(
        "webhook_triggers", None, COMPANY, parent="hook_id", **V2
    ),
    "/rest/v1.0/custom_field_definitions": Resource("custom_field_definitions", None, COMPANY),
    "/rest/v1.0/custom_field_definitions/{custom_field_definition_id}/custom_field_lov_entries": (
        Resource("custom_field_lov_entries", None, COMPANY, parent="custom_field_definition_id")
    ),
    "/rest/v1.0/companies/{company_id}/configurable_field_sets": Resource(
        "configurable_field_sets", None, COMPANY
    ),
    "/rest/v1.0/projects/{project_id}/configurable_field_sets": Resource(
        "configurable_field_sets", None, COMPANY
    ),
}

KINDS = {("get", ""): "list", ("post", ""): "create", ("get", "/{id}"): "show"}
KINDS |= {("patch", "/{id}"): "update", ("delete", "/{id}"): "delete", ("patch", "/sync"): "sync"}


def resolve(method: str, template: str) -> tuple[Resource, str] | None:
    """(resource, kind) for a generic operation, None for one `special.py` handles."""
    for suffix in ("", "/{id}", "/sync"):
        if suffix and not template.endswith(suffix):
            continue
        collection = template[: len(template) - len(suffix)] if suffix else template
        kind = KINDS.get((method, suffix))
        if collection in COLLECTIONS and kind:
            return COLLECTIONS[collection], kind
    return None
