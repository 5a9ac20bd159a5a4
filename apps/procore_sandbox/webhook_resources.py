"""Procore's webhook resources: the names a trigger may use and the event types each publishes.

Source: procore-api.md §10.2 and the list it cites as [MECH], github.com/mechamoby/
Procore-Instrumentality-Project `memory/eva/procore-api/WEBHOOK-RESOURCES-CONFIRMED.md`
@ 0160b0ca (`GET .../webhooks/resources` of a Procore sandbox, 2026-02-24, each resource with
its `except` list): 25 company-level rows and 96 project-level rows (its headings say 88; every
row is kept), less the Project Users and Project Vendors `update` triggers Procore removed on
2026-06-30 (§10.2, [D:/webhook-fanout-migration]).
§10.2 lists no "Requisitions" resource: subcontractor invoices publish nothing.
"""

CRUD = ("create", "update", "delete")
CREATE_UPDATE = ("create", "update")
CREATE_DELETE = ("create", "delete")
CREATE = ("create",)

COMPANY: dict[str, tuple[str, ...]] = {
    "Bids": ("update",),
    "Change Order Change Reasons": CRUD,
    "Change Types": CRUD,
    "Company File Versions": CRUD,
    "Company Files": CRUD,
    "Company Folders": CRUD,
    "Company Insurances": CRUD,
    "Company Users": CREATE_UPDATE,
    "Company Vendors": CREATE_UPDATE,
    "Departments": CRUD,
    "ERP Requests": CRUD,
    "Form Templates": CRUD,
    "Line Item Types": CRUD,
    "Offices": CRUD,
    "Programs": CRUD,
    "Project Bid Types": CRUD,
    "Project Owner Types": CRUD,
    "Project Regions": CRUD,
    "Project Stages": CRUD,
    "Project Types": CRUD,
    "Projects": CREATE_UPDATE,
    "Standard Cost Code Lists": CREATE,
    "Standard Cost Codes": CRUD,
    "Timecard Time Types": CREATE_DELETE,
    "Trades": CREATE_DELETE,
}

_PROJECT_CREATE_UPDATE = (
    *("Inspection Checklists", "Specification Sections", "Markup Layers", "RFQ Quotes"),
    *("RFQ Responses", "Task Items", "Weather Logs"),
)
_PROJECT_CREATE = ("Budget View Snapshots", "Observation Item Response Logs")
_PROJECT_CREATE_DELETE = ("Project Users", "Project Vendors")  # `update` removed 2026-06-30
_PROJECT_CRUD = (
    *("Submittals", "Submittal Packages", "RFIs", "RFI Replies", "Daily Logs"),
    *("Daily Log/Entries", "Daily Construction Report Logs", "Change Events"),
    *("Change Event Line Items", "Change Order Packages", "Change Order Requests"),
    *("Potential Change Orders", "Potential Change Order Line Items", "Payment Applications"),
    *("Punch Items", "Meetings", "Meeting Topics", "Meeting Attendees", "Incidents"),
    *("Inspection Logs", "Drawings", "Drawing Sets", "Drawing Uploads", "Drawing Areas"),
    *("Project Files", "Project File Versions", "Project Folders"),
    *("Specification Section Revisions", "Specification Sets", "Specification Areas"),
    *("Specification Section Divisions", "Images", "Image Categories", "BIM Models"),
    *("BIM Model Revisions", "BIM File Extractions", "Coordination Issues"),
    *("Coordination Issue Activities", "Accident Logs", "Safety Violation Logs"),
    *("Budget Line Items", "Budget Changes", "Budget Change Adjustments"),
    *("Budget Change Adjustment Line Items", "Budget Change Production Quantities"),
    *("Budget Modifications", "Call Logs", "Cost Codes", "Contract Payments", "Delivery Logs"),
    *("Direct Costs", "Direct Cost Line Items", "Company Direct Cost Line Items"),
    *("Draw Requests", "Dumpster Logs", "Equipment Logs", "File Versions", "Forms"),
    *("Generic Tool Items", "Locations", "Manpower Logs", "Meeting Categories", "Notes Logs"),
    *("Observation Items", "Pdf Download Pages", "Plan Revision Logs", "Prime Contracts"),
    *("Prime Contract Line Items", "Productivity Logs", "Project Dates", "Project Insurances"),
    *("Purchase Order Contracts", "Purchase Order Contract Line Items", "Quantity Logs"),
    *("RFQs", "Site Instructions", "Sub Jobs", "Tasks", "Timecard Entries", "ToDos"),
    *("Visitor Logs", "Waste Logs", "Work Logs", "Work Order Contracts"),
    "Work Order Contract Line Items",
)
PROJECT: dict[str, tuple[str, ...]] = (
    dict.fromkeys(_PROJECT_CRUD, CRUD)
    | dict.fromkeys(_PROJECT_CREATE_UPDATE, CREATE_UPDATE)
    | dict.fromkeys(_PROJECT_CREATE, CREATE)
    | dict.fromkeys(_PROJECT_CREATE_DELETE, CREATE_DELETE)
)
RESOURCES: dict[str, tuple[str, ...]] = COMPANY | PROJECT

# Stored `SandboxRecord.resource` -> the resource its changes are published as. Stored resources
# missing here have no documented name (requisitions; people, whose directory contacts have none;
# commitment line items, which the sandbox keeps under either kind of contract) and publish nothing.
PUBLISHED_AS: dict[str, str] = {
    "projects": "Projects",
    "users": "Company Users",
    "vendors": "Company Vendors",
    "offices": "Offices",
    "line_item_types": "Line Item Types",
    "standard_cost_code_lists": "Standard Cost Code Lists",
    "standard_cost_codes": "Standard Cost Codes",
    "timecard_time_types": "Timecard Time Types",
    "change_order_change_reasons": "Change Order Change Reasons",
    "change_types": "Change Types",
    "sub_jobs": "Sub Jobs",
    "cost_codes": "Cost Codes",
    "change_events": "Change Events",
    "prime_contracts": "Prime Contracts",
    "prime_contract_line_items": "Prime Contract Line Items",
    "work_order_contracts": "Work Order Contracts",
    "purchase_order_contracts": "Purchase Order Contracts",
    "contract_payments": "Contract Payments",
    "timecard_entries": "Timecard Entries",
    "manpower_logs": "Manpower Logs",
    "quantity_logs": "Quantity Logs",
}


# Items kept inside their parent record (store.NESTED) that Procore publishes on their own:
# (stored resource, stored key) -> resource name. The event names the item, not its parent.
ITEMS_PUBLISHED_AS: dict[tuple[str, str], str] = {
    ("change_events", "change_event_line_items"): "Change Event Line Items",
}


def published(resource: str, event_type: str) -> str | None:
    """The resource name a change of a stored record is published as, or None if it is not."""
    name = PUBLISHED_AS.get(resource)
    return name if name is not None and event_type in RESOURCES[name] else None


def trigger_errors(resource_name: object, event_type: object) -> dict[str, str]:
    """Why a trigger cannot be created (field -> message); empty when it can."""
    if resource_name not in RESOURCES:
        return {"resource_name": "is not a webhook resource"}
    if event_type not in RESOURCES[resource_name]:  # type: ignore[index]
        return {"event_type": f"is not published for {resource_name}"}
    return {}
