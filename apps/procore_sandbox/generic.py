"""List, show, create, update, delete and sync for any resource of `resources.COLLECTIONS`."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse

from . import filters, ids, locks, projections, references, shaping, store, time_rules
from .context import SCOPE_KEYS, Context
from .http import ApiError
from .models import SandboxAttachment, SandboxRecord
from .pagination import paginate
from .resources import PROJECT, Resource

SYNC_LIMIT = 1000  # procore-api.md §3.7: at most 1,000 updates per sync call
NOT_BODY = {*SCOPE_KEYS, "attachments", "run_configurable_validations"}


def item_schema(ctx: Context, *, many: bool) -> tuple[Any, bool]:
    """The schema of one item in the answer, and whether v2's `{"data": ...}` wraps it."""
    schema = ctx.op.response_schema() or {}
    envelope = "data" in schema.get("properties", {})
    if envelope:
        schema = schema["properties"]["data"]
    if many and schema.get("type") == "array":
        schema = schema.get("items")
    return schema, envelope


def answer(ctx: Context, payload: Any, *, envelope: bool, **headers: str) -> JsonResponse:
    body = {"data": shaping.string_ids(payload)} if envelope else payload
    return JsonResponse(body, status=ctx.op.success_status, safe=False, headers=headers)


def scoped(ctx: Context, resource: Resource) -> QuerySet[SandboxRecord]:
    """The resource's records the caller may see here: company, project and parent applied."""
    queryset = store.records(ctx.require_company(), (resource.name, *resource.also))
    project = ctx.project(required=resource.scope == PROJECT)
    if project is not None and resource.scope == PROJECT:
        queryset = queryset.filter(project_id=project.id)
    parent_id = ctx.int_param(resource.parent) if resource.parent else None
    if parent_id is not None:
        queryset = queryset.filter(parent_id=parent_id)
    return queryset


def one(ctx: Context, resource: Resource, record_id: str | None = None) -> SandboxRecord:
    record_id = record_id or ctx.path.get("id", "")
    record = None
    if record_id.isdigit():
        record = scoped(ctx, resource).filter(id=int(record_id), deleted_at=None).first()
    if record is None:
        raise ApiError(404, "Item not found")
    return record


def list_records(
    ctx: Context, resource: Resource, queryset: QuerySet[SandboxRecord] | None = None
) -> HttpResponse:
    queryset = _filtered(ctx, resource, scoped(ctx, resource) if queryset is None else queryset)
    schema, envelope = item_schema(ctx, many=True)
    if ctx.op.paginated:
        cap = resource.max_per_page
        items, headers = paginate(ctx.request, queryset, default=resource.per_page, cap=cap)
    else:
        items, headers = list(queryset[: resource.max_per_page]), {}
    return answer(ctx, shaped(ctx, items, schema), envelope=envelope, **headers)


def _filtered(
    ctx: Context, resource: Resource, queryset: QuerySet[SandboxRecord]
) -> QuerySet[SandboxRecord]:
    params = ctx.op.query_params()
    declared = {p["name"][8:].split("]")[0] for p in params if p["name"].startswith("filters[")}
    queryset = filters.apply(queryset, ctx.query, declared)
    if resource.today_by_default or {"log_date", "start_date"} & {p["name"] for p in params}:
        queryset = filters.by_dates(queryset, ctx.query, resource.today_by_default)
    for param in params:  # a required query parameter such as contract_id narrows the list
        name = param["name"]
        if param.get("required") and name not in (*SCOPE_KEYS, resource.parent):
            queryset = queryset.filter(filters.equals(name, [ctx.param(name) or ""]))
    return queryset.order_by("id")


def show(ctx: Context, resource: Resource) -> HttpResponse:
    return render_one(ctx, one(ctx, resource))


def render_one(ctx: Context, record: SandboxRecord) -> JsonResponse:
    schema, envelope = item_schema(ctx, many=False)
    return answer(ctx, shaped(ctx, [record], schema)[0], envelope=envelope)


def shaped(ctx: Context, records: list[SandboxRecord], schema: Any) -> list[Any]:
    """Records in the answer's shape, as the request's `view` shows them."""
    items = shaping.shape_many(records, schema, ctx.request)
    return projections.project(ctx.op.template, ctx.query.get("view"), items)


def fields(ctx: Context, resource: Resource) -> dict[str, Any]:
    """The object's fields from the body: the wrapped object plus top-level extras.

    Extras are keys such as `commitment_id` (requisitions) or `contract_id` (payments) that
    Procore takes beside the wrapped object and returns as fields of the record.
    """
    extras = {key: value for key, value in ctx.body.items() if key not in NOT_BODY}
    if resource.wrapper is None:
        return extras
    wrapped = extras.pop(resource.wrapper, None)
    if not isinstance(wrapped, dict):
        raise ApiError(400, f"param is missing or the value is empty: {resource.wrapper}")
    return {**extras, **wrapped}


def create_record(ctx: Context, resource: Resource, data: dict[str, Any]) -> SandboxRecord:
    project = ctx.project(required=resource.scope == PROJECT)
    parent_id = ctx.int_param(resource.parent) if resource.parent else None
    if parent_id is not None:
        data = {resource.parent_field or resource.parent: parent_id, **data}
    references.check(ctx.require_company(), data, project.id if project else None)
    if resource.name == time_rules.TIMECARDS:
        time_rules.check_timecard(ctx.require_company(), project.id if project else None, data)
    data = {**data, **time_rules.derived(resource.name, data)}
    try:
        record = store.record_create(
            company=ctx.require_company(),
            resource=resource.name,
            data=data,
            project_id=project.id if project else None,
            parent_id=parent_id,
        )
    except store.DuplicateOrigin as error:
        raise ApiError(
            422, "Validation failed", {"origin_id": ["has already been taken"]}
        ) from error
    attach(record, ctx.files)
    return record


def attach(record: SandboxRecord, files: list[Any]) -> None:
    """Multipart `attachments[]` become attachment objects served back by URL (§3.9)."""
    if not files:
        return
    first = ids.allocate(len(files))
    stored = [
        SandboxAttachment.objects.create(
            id=first + n,
            record=record,
            filename=upload.name,
            content_type=upload.content_type or "application/octet-stream",
            content=upload.read(),
        )
        for n, upload in enumerate(files)
    ]
    existing = record.data.get("attachments") or []
    record.data["attachments"] = [*existing, *(attachment_json(a) for a in stored)]
    record.save(update_fields=["data"])


def attachment_json(attachment: SandboxAttachment) -> dict[str, Any]:
    url = f"/procore-sandbox/attachments/{attachment.id}/{attachment.filename}"
    return {
        "id": attachment.id,
        "url": url,
        "filename": attachment.filename,
        "name": attachment.filename,
        "content_type": attachment.content_type,
    }


def create(ctx: Context, resource: Resource) -> HttpResponse:
    return render_one(ctx, create_record(ctx, resource, fields(ctx, resource)))


def update_record(record: SandboxRecord, changes: dict[str, Any]) -> SandboxRecord:
    locks.check_update(record, changes)
    references.check(record.company, changes, record.project_id)
    if record.resource == time_rules.TIMECARDS:
        time_rules.check_timecard(record.company, record.project_id, changes, record)
    changes = {**changes, **time_rules.derived(record.resource, {**record.data, **changes})}
    try:
        return store.record_update(record, changes)
    except store.DuplicateOrigin as error:
        raise ApiError(
            422, "Validation failed", {"origin_id": ["has already been taken"]}
        ) from error


def update(ctx: Context, resource: Resource) -> HttpResponse:
    record = update_record(one(ctx, resource), fields(ctx, resource))
    attach(record, ctx.files)
    return render_one(ctx, record)


def delete(ctx: Context, resource: Resource) -> HttpResponse:
    record = one(ctx, resource)
    if record.resource == time_rules.TIMECARDS:
        time_rules.check_timecard(record.company, record.project_id, {}, record)
    store.record_delete(record)
    if ctx.op.success_status == 204:
        return HttpResponse(status=204)
    return JsonResponse({}, status=ctx.op.success_status)


def sync(ctx: Context, resource: Resource) -> HttpResponse:
    """procore-api.md §3.7: match by id, else by origin_id, else create; always 200."""
    updates = ctx.body.get("updates")
    if not isinstance(updates, list):
        raise ApiError(422, "Validation failed", {"updates": ["is missing"]})
    if len(updates) > SYNC_LIMIT:
        raise ApiError(422, f"Too many updates: at most {SYNC_LIMIT} per call")
    entities, errors = [], []
    for index, item in enumerate(updates):
        problems = ctx.item_errors.get(index)
        try:
            if problems or not isinstance(item, dict):
                raise ApiError(422, "Validation failed", problems or {"base": ["is invalid"]})
            entities.append(_sync_one(ctx, resource, item))
        except ApiError as error:
            errors.append({**(item if isinstance(item, dict) else {}), "errors": error.errors})
    schema = (ctx.op.response_schema() or {}).get("properties", {}).get("entities", {})
    items = shaped(ctx, entities, schema.get("items"))
    return JsonResponse({"entities": items, "errors": errors})


def _sync_one(ctx: Context, resource: Resource, item: dict[str, Any]) -> SandboxRecord:
    changes = {key: value for key, value in item.items() if key != "id"}
    if item.get("id") is not None:
        found = scoped(ctx, resource).filter(id=int(item["id"]), deleted_at=None).first()
        if found is None:
            raise ApiError(422, "Not found", {"id": ["Entity with this ID not found"]})
        return update_record(found, changes)
    origin = store.origin_of(item)
    found = scoped(ctx, resource).filter(origin_id=origin).first() if origin else None
    if found is not None:
        return update_record(found, changes)
    return create_record(ctx, resource, changes)


HANDLERS = {
    "list": list_records,
    "show": show,
    "create": create,
    "update": update,
    "delete": delete,
    "sync": sync,
}
