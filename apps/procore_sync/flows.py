"""The human name of each flow the engine runs: the one place a flow key becomes words."""

FLOW_NAMES = {
    "entities": "Employees, projects, cost codes, vendors",
    "webhook": "Changes Procore announced (webhooks)",
    "cor_push": "Change orders pushed",
    "change_event_statuses": "Change event statuses",
    "time_export": "Time cards to timesheets",
    "daily_logs": "Time cards to daily logs",
    "ap_import": "AP invoices imported",
    "ap_payments": "Payments written to Procore",
    "reconcile": "Procore vs Trestle report",
}


def flow_name(flow: str) -> str:
    """A flow's name; a key missing here still reads as words, never as the raw key."""
    return FLOW_NAMES.get(flow) or flow.replace("_", " ").capitalize()


def flow_choices(flows) -> list[tuple[str, str]]:
    """(key, name) for each of `flows` (the engine's table), in the engine's order."""
    return [(flow, flow_name(flow)) for flow in flows]
