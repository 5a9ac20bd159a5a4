"""Operations that are not plain list/show/create/update/delete/sync of one collection."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, JsonResponse

from . import change_events, generic, resources, shaping, webhook_api
from .context import Context
from .http import ApiError
from .models import SandboxCompany
from .pagination import paginate

Handler = Callable[[Context], HttpResponse]
BULK_TIMECARD_LIMIT = 25  # OAS: v1.1 bulk_create takes at most 25 entries


def me(ctx: Context) -> HttpResponse:
    user = ctx.token.user
    return JsonResponse({"id": user.id, "login": user.login, "name": user.name})


def companies(ctx: Context) -> HttpResponse:
    queryset = SandboxCompany.objects.filter(users=ctx.token.user).order_by("id")
    items, headers = paginate(ctx.request, queryset, default=100, cap=1000)
    body = [
        {
            "id": company.id,
            "name": company.name,
            "is_active": company.is_active,
            "logo_url": None,
            "pcn_business_experience": None,
            "my_company": True,
        }
        for company in items
    ]
    return JsonResponse(body, safe=False, headers=headers)


def company_me(ctx: Context) -> HttpResponse:
    """The caller's own directory record (matched by login = email address)."""
    user = ctx.token.user
    found = generic.scoped(ctx, resources.USERS).filter(data__email_address=user.login).first()
    if found is None:
        return JsonResponse({"id": user.id, "name": user.name, "email_address": user.login})
    return generic.render_one(ctx, found)


def first_prime_contract(ctx: Context) -> HttpResponse:
    found = generic.scoped(ctx, resources.PRIME_CONTRACTS).filter(deleted_at=None).first()
    if found is None:
        raise ApiError(404, "Item not found")
    return generic.render_one(ctx, found)


def inactive(resource: resources.Resource, flag: str) -> Handler:
    def handler(ctx: Context) -> HttpResponse:
        queryset = generic.scoped(ctx, resource).filter(Q(**{f"data__{flag}": False}))
        return generic.list_records(ctx, resource, queryset)

    return handler


def add_user_to_project(ctx: Context) -> HttpResponse:
    ctx.project(required=True)
    return generic.render_one(ctx, generic.one(ctx, resources.USERS))


def requisition_detail(ctx: Context) -> HttpResponse:
    requisitions = resources.COLLECTIONS["/rest/v1.0/requisitions"]
    return generic.render_one(ctx, generic.one(ctx, requisitions, ctx.path["requisition_id"]))


def requisition_items(ctx: Context) -> HttpResponse:
    requisitions = resources.COLLECTIONS["/rest/v1.0/requisitions"]
    record = generic.one(ctx, requisitions, ctx.path["requisition_id"])
    schema, _ = generic.item_schema(ctx, many=False)
    return JsonResponse(
        shaping.fit(record.data.get("items") or [], schema, {}, ctx.request), safe=False
    )


def _create_many(ctx: Context, entries: Any, resource: resources.Resource) -> list:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ApiError(422, "Validation failed", {"timecard_entries": ["is missing"]})
    created = []
    with transaction.atomic():  # all or nothing, so a refused batch can be resent as a whole
        for entry in entries:
            ctx.body = entry  # each entry may name its own project_id
            data = {key: value for key, value in entry.items() if key not in generic.NOT_BODY}
            created.append(generic.create_record(ctx, resource, data))
    return created


def timecards_bulk_create_v11(ctx: Context) -> HttpResponse:
    entries = ctx.body.get("timecard_entries")
    if isinstance(entries, list) and len(entries) > BULK_TIMECARD_LIMIT:
        raise ApiError(422, f"At most {BULK_TIMECARD_LIMIT} timecard entries per call")
    created = _create_many(ctx, entries, resources.TIMECARD_ENTRIES)
    schema = (ctx.op.response_schema() or {})["properties"]["timecard_entries"]["items"]
    body = {"timecard_entries": shaping.shape_many(created, schema, ctx.request)}
    return JsonResponse(body, status=201)


def timecards_bulk_create_company(ctx: Context) -> HttpResponse:
    created = _create_many(ctx, ctx.body.get("timecard_entries"), resources.TIMECARD_ENTRIES)
    schema, _ = generic.item_schema(ctx, many=True)
    return JsonResponse(shaping.shape_many(created, schema, ctx.request), safe=False)


def timecards_bulk_update_company(ctx: Context) -> HttpResponse:
    company_entries = resources.COLLECTIONS["/rest/v1.0/companies/{company_id}/timecard_entries"]
    updated, errors = [], []
    for change in ctx.body.get("updates") or []:
        entry_id = str(change.get("id", ""))
        entries = generic.scoped(ctx, company_entries)
        record = entries.filter(id=int(entry_id)).first() if entry_id.isdigit() else None
        if record is None:
            errors.append({**change, "errors": {"id": ["Entity with this ID not found"]}})
            continue
        changes = {key: value for key, value in change.items() if key != "id"}
        updated.append(generic.update_record(record, changes))
    schema = (ctx.op.response_schema() or {})["properties"]["updated_timecard_entries"]["items"]
    body = {"updated_timecard_entries": shaping.shape_many(updated, schema, ctx.request)}
    return JsonResponse(body | {"errors": errors})


def timecard_data(ctx: Context) -> HttpResponse:
    """ "List Timecard Data": a company's entries grouped by the person they are for."""
    company_entries = resources.COLLECTIONS["/rest/v1.0/companies/{company_id}/timecard_entries"]
    queryset = generic.scoped(ctx, company_entries).filter(deleted_at=None)
    queryset = generic.filters.by_dates(queryset, ctx.query, today_by_default=False)
    schema, _ = generic.item_schema(ctx, many=True)
    entry_schema = schema["properties"]["timecard_entries"]["items"]
    groups: dict[Any, list] = {}
    for record in queryset.order_by("id"):
        groups.setdefault(record.data.get("party_id"), []).append(record)
    rows = [
        {
            "party_id": party,
            "timecard_entries": shaping.shape_many(records, entry_schema, ctx.request),
        }
        for party, records in groups.items()
    ]
    people = shaping.lookup(rows)
    return JsonResponse([shaping.fit(row, schema, people, ctx.request) for row in rows], safe=False)


def timesheet_create(ctx: Context) -> HttpResponse:
    """§9.2: a new timesheet is pending, named "<date> - <number>" (numbered per project day)."""
    timesheets = resources.COLLECTIONS["/rest/v1.0/projects/{project_id}/timesheets"]
    data = generic.fields(ctx, timesheets)
    same_day = generic.scoped(ctx, timesheets).filter(data__date=data.get("date")).count()
    number = same_day + 1
    data = {"status": "pending", "number": number, "name": f"{data.get('date')} - {number:02d}"}
    data |= generic.fields(ctx, timesheets)
    return generic.render_one(ctx, generic.create_record(ctx, timesheets, data))


def timesheets_approval(ctx: Context) -> HttpResponse:
    timesheets = resources.COLLECTIONS["/rest/v1.0/projects/{project_id}/timesheets"]
    last = None
    for change in ctx.body.get("timesheets") or []:
        record = generic.one(ctx, timesheets, str(change.get("id", "")))
        last = generic.update_record(record, {"status": change.get("status")})
    if last is None:
        raise ApiError(422, "Validation failed", {"timesheets": ["is missing"]})
    return generic.render_one(ctx, last)


def wbs_bulk_create(ctx: Context) -> HttpResponse:
    created = [
        generic.create_record(ctx, resources.WBS_CODES, dict(code))
        for code in ctx.body.get("bulk") or []
    ]
    schema = (ctx.op.response_schema() or {})["properties"]["entities"]["items"]
    body = {"entities": shaping.shape_many(created, schema, ctx.request), "errors": []}
    return JsonResponse(body, status=201)


HANDLERS: dict[tuple[str, str], Handler] = {
    ("get", "/rest/v1.0/me"): me,
    ("get", "/rest/v1.0/companies"): companies,
    ("get", "/rest/v1.0/companies/{company_id}/me"): company_me,
    ("get", "/rest/v1.0/prime_contract"): first_prime_contract,
    ("post", "/rest/v1.0/change_events"): change_events.create,
    ("patch", "/rest/v1.0/change_events/{id}"): change_events.update,
    ("patch", "/rest/v1.1/change_events/{id}"): change_events.update_v11,
    ("get", "/rest/v1.0/companies/{company_id}/users/inactive"): inactive(
        resources.USERS, "is_active"
    ),
    ("get", "/rest/v1.0/companies/{company_id}/people/inactive"): inactive(
        resources.PEOPLE, "active"
    ),
    ("post", "/rest/v1.0/projects/{project_id}/users/{id}/actions/add"): add_user_to_project,
    ("get", "/rest/v1.0/requisitions/{requisition_id}/detail"): requisition_detail,
    ("get", "/rest/v1.0/requisitions/{requisition_id}/contract_items"): requisition_items,
    ("post", "/rest/v1.1/projects/{project_id}/project_timecard_entries/bulk_create"): (
        timecards_bulk_create_v11
    ),
    ("get", "/rest/v1.0/companies/{company_id}/timesheets"): timecard_data,
    ("post", "/rest/v1.0/companies/{company_id}/timesheets"): timecards_bulk_create_company,
    ("patch", "/rest/v1.0/companies/{company_id}/timesheets"): timecards_bulk_update_company,
    ("post", "/rest/v1.0/projects/{project_id}/timesheets"): timesheet_create,
    ("patch", "/rest/v1.0/projects/{project_id}/timesheets/update_approval"): timesheets_approval,
    ("patch", "/rest/v1.0/projects/{project_id}/work_breakdown_structure/wbs_codes/bulk_create"): (
        wbs_bulk_create
    ),
    **webhook_api.HANDLERS,
}
