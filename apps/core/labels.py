"""A human name for every flow, count, field and status key that can reach a page.

Keys not listed here read as humanized words ("skipped_inactive" -> "Skipped inactive"), so a new
key is never shown raw; list it here when the humanized form reads badly.
"""

LABELS: dict[str, str] = {
    # Sync flows (SyncRun.flow)
    "entities": "Employees, projects, cost codes, vendors",
    "webhook": "Changes Procore announced (webhooks)",
    "cor_push": "Change orders pushed",
    "change_event_statuses": "Change Event statuses",
    "time_export": "Time cards to timesheets",
    "daily_logs": "Time cards to daily logs",
    "ap_import": "AP invoices imported",
    "ap_payments": "Payments written to Procore",
    "reconcile": "Procore vs Trestle report",
    # Run counts (SyncRun.counts)
    "skipped_inactive": "Skipped (inactive in Procore)",
    "conflicts_kept_trestle": "Conflicts (Trestle's value kept)",
    "not_linked": "Not linked",
    "exported_created": "Created in Procore",
    "exported_updated": "Updated in Procore",
    # Procore record types (ExternalRef.procore_type)
    "company_user": "Procore user",
    "standard_cost_code": "Standard cost code",
    "timecard_time_type": "Time type",
    # Subjects of audit actions ("cor.status_changed")
    "cor": "COR",
    "ap_invoice": "AP invoice",
    "api_token": "API token",
    # Fields (wizard columns, overwritten values, audit details)
    "employee_id": "Employee ID",
    "procore_id": "Procore ID",
    "origin_id": "Origin ID",
    "email": "Email",
    "cost_code": "Cost code",
    "sub_job": "Sub-job",
    "sub_jobs": "Sub-jobs",
    "cost_codes": "Cost codes",
}


def humanize(key: str) -> str:
    """ "skipped_inactive" -> "Skipped inactive": the fallback for a key without a label."""
    words = str(key).replace("_", " ").replace("-", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def label(key: object) -> str:
    """The human name of a key; never the raw key. A dotted key ("cor.status_changed", an audit
    action) reads as its subject and what happened to it: "COR: status changed"."""
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    subject, dot, rest = key.partition(".")
    if dot and subject and rest:
        return f"{label(subject)}: {humanize(rest).lower()}"
    return humanize(key)
