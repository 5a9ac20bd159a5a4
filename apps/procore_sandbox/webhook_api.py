"""The Webhooks API beyond plain list/show/delete (procore-api.md §10.1).

A trigger is refused (422, the field named) unless Procore publishes its resource name and event
type (`webhook_resources`); bulk creates answer 207 with `success` and `failed` when some are
refused (the 207 schema of Procore's OAS, as the Python SDK renders it:
RestV10WebhooksHooksHookIdTriggersBulkPost207Response). Deliveries and resources are listed in
the shapes of the OAS answers.
"""

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_date

from . import generic, resources, shaping, store, webhook_resources
from .context import Context
from .http import ApiError
from .models import SandboxDelivery, SandboxRecord
from .pagination import paginate

BULK_LIMIT = 500  # the OAS: "Max 500 triggers"; more is a 413
V2_TRIGGERS = resources.COLLECTIONS[
    "/rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/triggers"
]
EVENT_TYPES = webhook_resources.CRUD
Status = SandboxDelivery.Status
# v1 `filters[status]` and v2 `filter[status]` -> stored statuses (sandbox reading of the names)
V1_STATUSES = {
    "successful": [Status.DELIVERED],
    "failing": [Status.RETRYING],
    "discarded": [Status.DISCARDED],
}
V2_STATUSES = {"succeeded": [Status.DELIVERED], "failed": [Status.RETRYING]}


def hook_create(ctx: Context) -> HttpResponse:
    """§10.1: the hook records who owns it (company or project) and who made it."""
    data = generic.fields(ctx, resources.HOOKS)
    project = ctx.project(required=False)
    data |= {
        "owned_by_company_id": None if project else ctx.require_company().id,
        "owned_by_project_id": project.id if project else None,
        "owned_by_user_id": ctx.token.user_id,
    }
    return generic.render_one(ctx, generic.create_record(ctx, resources.HOOKS, data))


def trigger_create(ctx: Context) -> HttpResponse:
    """POST /rest/v1.0/webhooks/hooks/{hook_id}/triggers
    https://developers.procore.com/reference/rest/triggers?version=1.0"""
    _hook(ctx)
    trigger = ctx.body.get("trigger")
    _refuse_unpublished(trigger if isinstance(trigger, dict) else {})
    return generic.create(ctx, resources.TRIGGERS)


def trigger_create_v2(ctx: Context) -> HttpResponse:
    """POST /rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/triggers
    https://developers.procore.com/reference/rest/triggers?version=2.0"""
    _hook(ctx)
    _refuse_unpublished(ctx.body)
    return generic.create(ctx, V2_TRIGGERS)


def _refuse_unpublished(trigger: dict[str, Any]) -> None:
    errors = webhook_resources.trigger_errors(
        trigger.get("resource_name"), trigger.get("event_type")
    )
    if errors:
        raise ApiError(422, "Validation failed", {k: [v] for k, v in errors.items()})


def triggers_bulk_create(ctx: Context) -> HttpResponse:
    """POST /rest/v1.0/webhooks/hooks/{hook_id}/triggers/bulk: 200, or 207 when some failed.
    https://developers.procore.com/reference/rest/triggers?version=1.0"""
    _hook(ctx)
    wanted = ctx.body.get("triggers") or []
    if len(wanted) > BULK_LIMIT:
        raise ApiError(413, f"At most {BULK_LIMIT} triggers per request")
    created, failed = [], []
    for item in wanted:
        trigger = {key: item.get(key) for key in ("resource_name", "event_type")}
        errors = webhook_resources.trigger_errors(**trigger)
        if errors:
            failed.append(_failure(trigger, errors))
            continue
        data = {**trigger, "api_version": ctx.param("api_version")}
        created.append(generic.create_record(ctx, resources.TRIGGERS, data))
    schema = (ctx.op.response_schema() or {})["properties"]["success"]["items"]
    body: dict[str, Any] = {"success": shaping.shape_many(created, schema, ctx.request)}
    if failed:
        return JsonResponse(body | {"failed": failed}, status=207)
    return JsonResponse(body)


def _failure(trigger: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """One refused trigger; `code` and `message` wording are sandbox assumptions."""
    field, message = next(iter(errors.items()))
    return {
        "code": "unprocessable_entity",
        "message": f"Validation failed: {field} {message}",
        "trigger": trigger,
        "errors": errors,
    }


def triggers_bulk_delete(ctx: Context) -> HttpResponse:
    wanted = [int(i) for i in ctx.body.get("triggers") or [] if str(i).isdigit()]
    queryset = generic.scoped(ctx, resources.TRIGGERS).filter(id__in=wanted, deleted_at=None)
    deleted = [record.id for record in queryset]
    for record in queryset:
        store.record_delete(record)
    return JsonResponse({"success": deleted})


def deliveries(ctx: Context) -> HttpResponse:
    """GET /rest/v1.0/webhooks/hooks/{hook_id}/deliveries: one row per event sent (or given up)
    with its last attempt; `page_start` is the last id of the previous page.
    https://developers.procore.com/reference/rest/deliveries?version=1.0"""
    queryset = _deliveries(ctx).exclude(status=Status.ENQUEUED)
    status = ctx.query.get("filters[status]") or "any"
    if status != "any":
        queryset = queryset.filter(status__in=V1_STATUSES.get(status, []))
    if (ctx.query.get("page_start") or "").isdigit():
        queryset = queryset.filter(id__gt=int(ctx.query["page_start"]))
    page_size = ctx.query.get("page_size") or ""
    page = queryset.order_by("id")[: int(page_size) if page_size.isdigit() else 100]
    schema, _ = generic.item_schema(ctx, many=True)
    rows = [shaping.fit(_v1_row(delivery), schema, {}, ctx.request) for delivery in page]
    return JsonResponse(rows, safe=False)


def _v1_row(delivery: SandboxDelivery) -> dict[str, Any]:
    last = delivery.attempts[-1] if delivery.attempts else {}
    return {
        **last,
        "event": delivery.event,
        "event_id": delivery.event.get("id"),
        "outcome": _outcome(delivery),
    }


def _outcome(delivery: SandboxDelivery) -> str:
    """ok: delivered at the first try; retried: delivered after failures; failed: failing."""
    if delivery.status == Status.DELIVERED:
        return "ok" if len(delivery.attempts) == 1 else "retried"
    return "discarded" if delivery.status == Status.DISCARDED else "failed"


def deliveries_v2(ctx: Context) -> HttpResponse:
    """GET /rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/deliveries
    https://developers.procore.com/reference/rest/deliveries?version=2.0"""
    queryset = _filtered_v2(ctx, _deliveries(ctx)).order_by("id")
    items, headers = paginate(ctx.request, queryset, default=10, cap=100)
    rows = [
        {
            "id": str(delivery.event.get("id")),
            "status": delivery.status,
            "payload": delivery.event,
            "delivery_attempts": delivery.attempts,
        }
        for delivery in items
    ]
    return JsonResponse({"data": rows}, headers=headers)


def _filtered_v2(ctx: Context, queryset: QuerySet[SandboxDelivery]) -> QuerySet[SandboxDelivery]:
    """`filter[...]`; v4.0 payloads name the resource `resource_type` and the event `reason`."""
    query = ctx.query
    if query.get("filter[status]"):
        status = query["filter[status]"]
        queryset = queryset.filter(status__in=V2_STATUSES.get(status, [status]))
    if query.get("filter[resource_name]"):
        name = query["filter[resource_name]"]
        queryset = queryset.filter(Q(event__resource_name=name) | Q(event__resource_type=name))
    if query.get("filter[event_type]"):
        event = query["filter[event_type]"]
        queryset = queryset.filter(Q(event__event_type=event) | Q(event__reason=event))
    for key, lookup in (("filter[start]", "gte"), ("filter[end]", "lte")):
        day = _day(query.get(key))
        if day is not None:
            queryset = queryset.filter(**{f"created_at__date__{lookup}": day})
    return queryset


def _day(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        return None


def _deliveries(ctx: Context) -> QuerySet[SandboxDelivery]:
    return SandboxDelivery.objects.filter(hook_id=_hook(ctx).id)


def _hook(ctx: Context) -> SandboxRecord:
    """The path's hook, in the caller's company (404 otherwise)."""
    return generic.one(ctx, resources.HOOKS, ctx.path["hook_id"])


def webhook_resources_v1(ctx: Context) -> HttpResponse:
    """GET /rest/v1.0/webhooks/resources?project_id=: the project-level resources (§10.1: the
    company-level ones are listed by v2); `except` names the events not published, and their
    event keys are null (a sandbox reading of the OAS).
    https://developers.procore.com/reference/rest/webhook-resources?version=1.0"""
    ctx.project(required=True)
    rows = [
        {"api_version": "v2", "product_category": "Project", "tools": name}
        | {"except": [e for e in EVENT_TYPES if e not in events]}
        | {event: name if event in events else None for event in EVENT_TYPES}
        for name, events in webhook_resources.PROJECT.items()
    ]
    return JsonResponse(rows, safe=False)


def webhook_resources_v2(ctx: Context) -> HttpResponse:
    """GET /rest/v2.0/companies/{company_id}/webhooks/resources: every resource a company hook
    may subscribe to, company-level and project-level (`category`), paginated.
    https://developers.procore.com/reference/rest/webhook-resources?version=2.0"""
    version = ctx.query.get("payload_version")
    rows = [
        {
            "category": "Company" if name in webhook_resources.COMPANY else "Project",
            "tool": name,
            "name": name,
            "payload_version": version,
            "actions": list(events),
        }
        for name, events in webhook_resources.RESOURCES.items()
    ]
    page, headers = paginate(ctx.request, rows, default=10, cap=100)
    return JsonResponse({"data": page}, headers=headers)


def api_versions(ctx: Context) -> HttpResponse:
    return JsonResponse(["v2", "v3", "v4"], safe=False)


HANDLERS = {
    ("post", "/rest/v1.0/webhooks/hooks"): hook_create,
    ("post", "/rest/v1.0/webhooks/hooks/{hook_id}/triggers"): trigger_create,
    ("post", "/rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/triggers"): (
        trigger_create_v2
    ),
    ("post", "/rest/v1.0/webhooks/hooks/{hook_id}/triggers/bulk"): triggers_bulk_create,
    ("delete", "/rest/v1.0/webhooks/hooks/{hook_id}/triggers/bulk"): triggers_bulk_delete,
    ("get", "/rest/v1.0/webhooks/hooks/{hook_id}/deliveries"): deliveries,
    ("get", "/rest/v2.0/companies/{company_id}/webhooks/hooks/{hook_id}/deliveries"): (
        deliveries_v2
    ),
    ("get", "/rest/v1.0/webhooks/resources"): webhook_resources_v1,
    ("get", "/rest/v2.0/companies/{company_id}/webhooks/resources"): webhook_resources_v2,
    ("get", "/rest/v1.0/webhooks/resources/api_versions"): api_versions,
}
