"""One small function per Procore endpoint Trestle uses, returning plain dicts (or iterators).

Lists stream page by page; pass Procore's own filters through `params`, e.g.
`params={**filters(updated_at=(since, now)), "view": "extended"}`. Creates take the resource body
(`{"title": ..., "origin_id": ...}`) without Procore's wrapper key. Each links to its reference.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from .http import ProcoreClient
from .pages import records
from .sync import SyncResult, sync_action

Record = dict[str, Any]
Params = dict[str, Any] | None
LINES_WRITTEN = "change_event_line_items_attributes"


# --- who and where ---------------------------------------------------------------------------


def me(client: ProcoreClient) -> Record:
    """https://developers.procore.com/reference/rest/me?version=1.0"""
    return client.get("/rest/v1.0/me")


def companies(client: ProcoreClient) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/companies?version=1.0"""
    return records(client, "/rest/v1.0/companies")


def projects(client: ProcoreClient, *, company_id: int, params: Params = None) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/projects?version=1.1"""
    return records(client, "/rest/v1.1/projects", {"company_id": company_id, **(params or {})})


def projects_sync(
    client: ProcoreClient, *, company_id: int, updates: Iterable[Record]
) -> SyncResult:
    """https://developers.procore.com/reference/rest/projects?version=1.0 (Sync projects)"""
    scope = {"company_id": company_id}
    return sync_action(client, "/rest/v1.0/projects/sync", updates, scope=scope)


def sub_jobs(client: ProcoreClient, *, project_id: int, params: Params = None) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/sub-jobs?version=1.0"""
    return records(client, "/rest/v1.0/sub_jobs", {"project_id": project_id, **(params or {})})


def sub_job(client: ProcoreClient, sub_job_id: int, *, project_id: int) -> Record:
    """One sub job (the list has no `filters[id]`); a webhook names it.
    https://developers.procore.com/reference/rest/sub-jobs?version=1.0 (Show Sub Job)"""
    return client.get(f"/rest/v1.0/sub_jobs/{sub_job_id}", {"project_id": project_id})


def sub_jobs_sync(
    client: ProcoreClient, *, project_id: int, updates: Iterable[Record]
) -> SyncResult:
    """https://developers.procore.com/reference/rest/sub-jobs?version=1.0 (Sync Sub Jobs)"""
    scope = {"project_id": project_id}
    return sync_action(client, "/rest/v1.0/sub_jobs/sync", updates, scope=scope, params=scope)


# --- people ----------------------------------------------------------------------------------


def company_users(
    client: ProcoreClient, *, company_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/company-users?version=1.3"""
    return records(client, f"/rest/v1.3/companies/{company_id}/users", params)


def company_user(client: ProcoreClient, user_id: int, *, company_id: int) -> Record:
    """One company user in the list's own version (its list has no `filters[id]`).
    https://developers.procore.com/reference/rest/company-users?version=1.3 (Show Company User)"""
    return client.get(f"/rest/v1.3/companies/{company_id}/users/{user_id}")


def company_users_sync(
    client: ProcoreClient, *, company_id: int, updates: Iterable[Record]
) -> SyncResult:
    """https://developers.procore.com/reference/rest/company-users?version=1.0 (Sync)"""
    return sync_action(client, f"/rest/v1.0/companies/{company_id}/users/sync", updates)


def company_people(
    client: ProcoreClient, *, company_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/company-people?version=1.0"""
    return records(client, f"/rest/v1.0/companies/{company_id}/people", params)


def crews(client: ProcoreClient, *, project_id: int, params: Params = None) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/crews?version=1.0"""
    return records(client, f"/rest/v1.0/projects/{project_id}/crews", params)


def work_classifications(
    client: ProcoreClient, *, company_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/work-classification---company-level?version=1.0"""
    return records(client, f"/rest/v1.0/companies/{company_id}/work_classifications", params)


def timecard_time_types(client: ProcoreClient, *, company_id: int) -> list[Record]:
    """https://developers.procore.com/reference/rest/timecards?version=1.0"""
    return client.get(f"/rest/v1.0/companies/{company_id}/timecard_time_types")


# --- cost structure ------------------------------------------------------------------------


def cost_codes(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/cost-codes?version=1.0"""
    return records(client, "/rest/v1.0/cost_codes", {"project_id": project_id, **(params or {})})


def standard_cost_code_lists(client: ProcoreClient, *, company_id: int) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/cost-codes?version=1.0"""
    return records(client, "/rest/v1.0/standard_cost_code_lists", {"company_id": company_id})


def standard_cost_codes(
    client: ProcoreClient,
    *,
    company_id: int,
    standard_cost_code_list_id: int,
    params: Params = None,
) -> Iterator[Record]:
    """Company-level codes; divisions are the ones without `parent_id`. The `extended` view:
    the default one holds only `id` and `standard_cost_code_list_id`.
    https://developers.procore.com/reference/rest/cost-codes?version=1.0"""
    query = {
        "company_id": company_id,
        "standard_cost_code_list_id": standard_cost_code_list_id,
        "view": "extended",
        **(params or {}),
    }
    return records(client, "/rest/v1.0/standard_cost_codes", query)


def standard_cost_codes_sync(
    client: ProcoreClient,
    *,
    company_id: int,
    standard_cost_code_list_id: int,
    updates: Iterable[Record],
) -> SyncResult:
    """https://developers.procore.com/reference/rest/cost-codes?version=1.0 (Sync)"""
    scope = {"company_id": company_id, "standard_cost_code_list_id": standard_cost_code_list_id}
    return sync_action(client, "/rest/v1.0/standard_cost_codes/sync", updates, scope=scope)


def wbs_codes(client: ProcoreClient, *, project_id: int, params: Params = None) -> Iterator[Record]:
    """Budget codes. https://developers.procore.com/reference/rest/codes?version=1.0"""
    path = f"/rest/v1.0/projects/{project_id}/work_breakdown_structure/wbs_codes"
    return records(client, path, params)


# --- vendors -------------------------------------------------------------------------------


def vendors(client: ProcoreClient, *, company_id: int, params: Params = None) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/company-vendors?version=1.0"""
    return records(client, "/rest/v1.0/vendors", {"company_id": company_id, **(params or {})})


def vendors_sync(
    client: ProcoreClient, *, company_id: int, updates: Iterable[Record]
) -> SyncResult:
    """https://developers.procore.com/reference/rest/company-vendors?version=1.0 (Sync)"""
    scope = {"company_id": company_id}
    return sync_action(client, "/rest/v1.0/vendors/sync", updates, scope=scope)


# --- change events -------------------------------------------------------------------------


def change_events(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """No `filters[origin_id]` here: look up by `filters[updated_at]` and match origin_id.
    https://developers.procore.com/reference/rest/change-events?version=1.0"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.0/change_events", query)


def change_events_v11(client: ProcoreClient, *, project_id: int) -> Iterator[Record]:
    """Every Change Event of the project in v1.1's terms, which name the event's prime contract
    (`prime_contract_for_estimates`); v1.1 lists take no `filters[id]`.
    https://developers.procore.com/reference/rest/change-events?version=1.1"""
    return records(client, "/rest/v1.1/change_events", {"project_id": project_id})


def change_event(client: ProcoreClient, change_event_id: int, *, project_id: int) -> Record:
    """Includes `change_event_line_items` (Procore has no separate line-item endpoint).
    https://developers.procore.com/reference/rest/change-events?version=1.0"""
    return client.get(f"/rest/v1.0/change_events/{change_event_id}", {"project_id": project_id})


def change_event_create(client: ProcoreClient, *, project_id: int, change_event: Record) -> Record:
    """Line items go in `change_event_line_items_attributes`. Not retried blindly: wrap in
    create_idempotent. https://developers.procore.com/reference/rest/change-events?version=1.0"""
    body = {"change_event": change_event}  # the POST takes project_id in the query only
    return client.post("/rest/v1.0/change_events", body, {"project_id": project_id})


def change_event_update(
    client: ProcoreClient, change_event_id: int, *, project_id: int, change_event: Record
) -> Record:
    """A PATCH that adds line items (entries without `id`) would add them again if resent, so it
    is not retried blindly: OutcomeUnknown, and the caller reads the Change Event back.
    A line's budget code is `budget_code: {id}` on create but `wbs_code_id` on update (the
    published schemas differ), so lines are written here in the PATCH's own names.
    https://developers.procore.com/reference/rest/change-events?version=1.0"""
    items = [_patch_line(item) for item in change_event.get(LINES_WRITTEN) or []]
    if items:
        change_event = {**change_event, LINES_WRITTEN: items}
    body = {"project_id": project_id, "change_event": change_event}
    path = f"/rest/v1.0/change_events/{change_event_id}"
    adds = any(not item.get("id") for item in items)
    return client.patch(path, body, {"project_id": project_id}, idempotent=not adds)


def change_event_prime_contract_set(
    client: ProcoreClient, change_event_id: int, *, project_id: int, prime_contract_id: int
) -> Record:
    """The Change Event's prime contract ("Prime Contract for Markup Estimates"). v1.0 has no
    field for it (its lines name only a commitment); v1.1 writes the same Change Event's
    `prime_contract_for_estimates`. Setting the same id again is harmless, so it is retried.
    https://developers.procore.com/reference/rest/change-events?version=1.1"""
    body = {"change_event": {"prime_contract_for_estimates": {"id": prime_contract_id}}}
    path = f"/rest/v1.1/change_events/{change_event_id}"
    return client.patch(path, body, {"project_id": project_id}, idempotent=True)


def _patch_line(item: Record) -> Record:
    if "budget_code" not in item:
        return item
    line = {key: value for key, value in item.items() if key != "budget_code"}
    return {**line, "wbs_code_id": item["budget_code"]}


def change_event_statuses(client: ProcoreClient, *, project_id: int) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/change-event-statuses?version=1.0"""
    return records(client, "/rest/v1.0/change_event/statuses", {"project_id": project_id})


# --- contracts -----------------------------------------------------------------------------


def prime_contracts(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/prime-contracts?version=1.0"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.0/prime_contracts", query)


def commitments(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """Subcontracts and purchase orders together.
    https://developers.procore.com/reference/rest/commitments?version=1.0"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.0/commitments", query)


def work_order_contracts(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """Subcontracts. https://developers.procore.com/reference/rest/work-order-contracts?version=1.0"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.0/work_order_contracts", query)


def purchase_order_contracts(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/purchase-order-contracts?version=1.0"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.0/purchase_order_contracts", query)


# --- time and field data -------------------------------------------------------------------


def timecard_entries(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """Without `log_date` or `start_date`/`end_date` Procore returns today's only.
    https://developers.procore.com/reference/rest/timecard-entries?version=1.0"""
    return records(client, f"/rest/v1.0/projects/{project_id}/timecard_entries", params)


def company_timecard_entries(
    client: ProcoreClient, *, company_id: int, params: Params = None
) -> Iterator[Record]:
    """Every project's entries; `start_date`/`end_date` narrow them by day.
    https://developers.procore.com/reference/rest/timecard-entries?version=1.0"""
    return records(client, f"/rest/v1.0/companies/{company_id}/timecard_entries", params)


def timecard_entries_bulk_create(
    client: ProcoreClient, *, project_id: int, entries: list[Record]
) -> list[Record]:
    """At most 25 entries, created in one transaction (all or none); `origin_id` is a string
    here (v1.1). A POST: never resent after an unknown outcome, look the entries up instead.
    https://developers.procore.com/reference/rest/timesheets?version=1.1 (Bulk Create)"""
    path = f"/rest/v1.1/projects/{project_id}/project_timecard_entries/bulk_create"
    body = {"timecard_entries": [{"project_id": project_id, **entry} for entry in entries]}
    return (client.post(path, body) or {}).get("timecard_entries") or []


def timecard_entry_update(
    client: ProcoreClient, entry_id: int, *, company_id: int, project_id: int, entry: Record
) -> Record:
    """The company endpoint: the one update that takes sub_job_id, crew_id and approval_status.
    `date` is required. https://developers.procore.com/reference/rest/timecard-entries?version=1.0"""
    path = f"/rest/v1.0/companies/{company_id}/timecard_entries/{entry_id}"
    return client.patch(path, {"project_id": project_id, "timecard_entry": entry})


def timecard_entry_delete(client: ProcoreClient, entry_id: int, *, project_id: int) -> None:
    """https://developers.procore.com/reference/rest/timecard-entries?version=1.0"""
    client.delete(f"/rest/v1.0/projects/{project_id}/timecard_entries/{entry_id}")


def timesheets(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """Per day; `status` pending or approved.
    https://developers.procore.com/reference/rest/timesheets?version=1.0"""
    return records(client, f"/rest/v1.0/projects/{project_id}/timesheets", params)


def manpower_logs(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/manpower-logs?version=1.0"""
    return records(client, f"/rest/v1.0/projects/{project_id}/manpower_logs", params)


def manpower_log_create(client: ProcoreClient, *, project_id: int, log: Record) -> Record:
    """https://developers.procore.com/reference/rest/manpower-logs?version=1.0"""
    return client.post(f"/rest/v1.0/projects/{project_id}/manpower_logs", {"manpower_log": log})


def manpower_log_update(
    client: ProcoreClient, log_id: int, *, project_id: int, log: Record
) -> Record:
    """https://developers.procore.com/reference/rest/manpower-logs?version=1.0"""
    path = f"/rest/v1.0/projects/{project_id}/manpower_logs/{log_id}"
    return client.patch(path, {"manpower_log": log})


def manpower_log_delete(client: ProcoreClient, log_id: int, *, project_id: int) -> None:
    """https://developers.procore.com/reference/rest/manpower-logs?version=1.0"""
    client.delete(f"/rest/v1.0/projects/{project_id}/manpower_logs/{log_id}")


def quantity_logs(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """https://developers.procore.com/reference/rest/quantity-logs?version=1.0"""
    return records(client, f"/rest/v1.0/projects/{project_id}/quantity_logs", params)


def quantity_log_create(client: ProcoreClient, *, project_id: int, log: Record) -> Record:
    """https://developers.procore.com/reference/rest/quantity-logs?version=1.0"""
    return client.post(f"/rest/v1.0/projects/{project_id}/quantity_logs", {"quantity_log": log})


def quantity_log_update(
    client: ProcoreClient, log_id: int, *, project_id: int, log: Record
) -> Record:
    """https://developers.procore.com/reference/rest/quantity-logs?version=1.0"""
    path = f"/rest/v1.0/projects/{project_id}/quantity_logs/{log_id}"
    return client.patch(path, {"quantity_log": log})


def quantity_log_delete(client: ProcoreClient, log_id: int, *, project_id: int) -> None:
    """https://developers.procore.com/reference/rest/quantity-logs?version=1.0"""
    client.delete(f"/rest/v1.0/projects/{project_id}/quantity_logs/{log_id}")


# --- invoices and payments -----------------------------------------------------------------


def requisitions(
    client: ProcoreClient, *, project_id: int, params: Params = None
) -> Iterator[Record]:
    """Subcontractor invoices; attachments come inline (`attachments[{id,url,filename}]`).
    https://developers.procore.com/reference/rest/requisitions-subcontractor-invoices?version=1.1"""
    query = {"project_id": project_id, **(params or {})}
    return records(client, "/rest/v1.1/requisitions", query)


def requisition(client: ProcoreClient, requisition_id: int, *, project_id: int) -> Record:
    """https://developers.procore.com/reference/rest/requisitions-subcontractor-invoices?version=1.1"""
    return client.get(f"/rest/v1.1/requisitions/{requisition_id}", {"project_id": project_id})


def requisition_attachments(
    client: ProcoreClient, requisition_id: int, *, project_id: int
) -> list[Record]:
    """Procore has no attachment list endpoint for invoices; they come with the invoice."""
    return requisition(client, requisition_id, project_id=project_id).get("attachments", [])


def attachment_download(client: ProcoreClient, attachment: Record) -> bytes:
    """The file behind an attachment's `url` (a pre-signed link; no token is sent)."""
    return client.download(attachment["url"])


def contract_payments(
    client: ProcoreClient, *, project_id: int, contract_id: int, params: Params = None
) -> Iterator[Record]:
    """Payments issued on a commitment.
    https://developers.procore.com/reference/rest/contract-payments?version=1.0"""
    query = {"project_id": project_id, "contract_id": contract_id, **(params or {})}
    return records(client, "/rest/v1.0/contract_payments", query)


def contract_payment_create(
    client: ProcoreClient, *, project_id: int, contract_id: int, payment: Record
) -> Record:
    """https://developers.procore.com/reference/rest/contract-payments?version=1.0"""
    body = {"project_id": project_id, "contract_id": contract_id, "contract_payment": payment}
    return client.post("/rest/v1.0/contract_payments", body)


def contract_payment_delete(
    client: ProcoreClient, payment_id: int, *, project_id: int, contract_id: int
) -> None:
    """https://developers.procore.com/reference/rest/contract-payments?version=1.0"""
    params = {"project_id": project_id, "contract_id": contract_id}
    client.delete(f"/rest/v1.0/contract_payments/{payment_id}", params)


# --- webhooks and custom fields ------------------------------------------------------------


def hooks(client: ProcoreClient, *, company_id: int, namespace: str) -> list[Record]:
    """https://developers.procore.com/reference/rest/hooks?version=1.0"""
    query = {"company_id": company_id, "namespace": namespace}
    return client.get("/rest/v1.0/webhooks/hooks", query)


def hook_create(client: ProcoreClient, *, company_id: int, hook: Record) -> Record:
    """`hook`: api_version, namespace, destination_url, destination_headers.
    https://developers.procore.com/reference/rest/hooks?version=1.0"""
    return client.post("/rest/v1.0/webhooks/hooks", {"company_id": company_id, "hook": hook})


def hook_delete(client: ProcoreClient, hook_id: int, *, company_id: int) -> None:
    """https://developers.procore.com/reference/rest/hooks?version=1.0"""
    client.delete(f"/rest/v1.0/webhooks/hooks/{hook_id}", {"company_id": company_id})


def triggers_bulk_create(
    client: ProcoreClient, hook_id: int, *, company_id: int, triggers: list[Record]
) -> Record:
    """`triggers`: [{resource_name, event_type}], at most 500. Procore answers 200 `{success}`,
    or 207 with `failed` as well (one entry per refused trigger: trigger, errors, message).
    https://developers.procore.com/reference/rest/triggers?version=1.0 (Bulk Create Triggers)"""
    body = {"company_id": company_id, "api_version": "v2", "triggers": triggers}
    return client.post(f"/rest/v1.0/webhooks/hooks/{hook_id}/triggers/bulk", body)


def custom_field_definitions(
    client: ProcoreClient, *, company_id: int, params: Params = None
) -> Iterator[Record]:
    """With their dropdown choices (`custom_field_lov_entries`), which the default view leaves
    out. https://developers.procore.com/reference/rest/custom-fields?version=1.0"""
    query = {"company_id": company_id, "view": "with_lov_entries", **(params or {})}
    return records(client, "/rest/v1.0/custom_field_definitions", query)
