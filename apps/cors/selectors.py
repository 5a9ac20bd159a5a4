from datetime import datetime

from django.db.models import Count, F, Max, Min, Q, QuerySet

from .models import ChangeOrderRequest

SORTS = {
    "number": ("project__number", "number"),
    "-number": ("project__number", "-number"),
    "title": ("title",),
    "total": ("total",),
    "-total": ("-total",),
    "created": ("created_at",),
    "-created": ("-created_at",),
    "status": ("status", "-created_at"),
}


PUSH_STATES = [
    ("pushed", "Pushed, up to date"),
    ("out_of_date", "Pushed, out of date"),
    ("not_pushed", "Not pushed"),
]


def cor_list(
    *,
    account,
    project_id=None,
    status="",
    q="",
    date_from=None,
    date_to=None,
    sort="-created",
    change_event_status="",
    push_state="",
) -> QuerySet[ChangeOrderRequest]:
    """The COR log: two queries per page whatever the page size (totals are stored on the COR;
    the Procore pushes come in one prefetch). A push counts when its office is the COR's own."""
    cors = (
        ChangeOrderRequest.objects.for_account(account)
        .select_related("project")
        .prefetch_related("procore_pushes")
    )
    own_push = Q(procore_pushes__office=F("project__office"))
    if change_event_status:
        cors = cors.filter(own_push, procore_pushes__change_event_status=change_event_status)
    if push_state == "pushed":
        cors = cors.filter(own_push, procore_pushes__fingerprint=F("fingerprint"))
    elif push_state == "out_of_date":
        cors = cors.filter(own_push).exclude(procore_pushes__fingerprint=F("fingerprint"))
    elif push_state == "not_pushed":
        cors = cors.exclude(own_push)
    if project_id:
        cors = cors.filter(project_id=project_id)
    if status:
        cors = cors.filter(status=status)
    if q:
        match = Q(title__icontains=q) | Q(description__icontains=q)
        if q.isdigit():
            match |= Q(number=int(q))
        cors = cors.filter(match)
    if date_from:
        cors = cors.filter(created_at__date__gte=date_from)
    if date_to:
        cors = cors.filter(created_at__date__lte=date_to)
    return cors.order_by(*cor_log_order(sort))


def cor_log_order(sort: str) -> tuple[str, ...]:
    """The log's order for `sort`, ended by the id in the last key's direction so rows with equal
    keys keep one order from page to page (and an index on (created_at, id) serves the default)."""
    fields = SORTS.get(sort, SORTS["-created"])
    return (*fields, "-pk" if fields[-1].startswith("-") else "pk")


def change_event_statuses(account) -> list[str]:
    """The Change Event statuses the account's pushed CORs are in, for the log's filter."""
    values = (
        ChangeOrderRequest.objects.for_account(account)
        .filter(procore_pushes__office=F("project__office"))
        .values_list("procore_pushes__change_event_status", flat=True)
        .order_by()
        .distinct()
    )
    return sorted(v for v in values if v)


def statuses_checked(account) -> tuple[datetime | None, str]:
    """In one query over the account's pushed CORs: when the least recently checked Change Event
    status was read from Procore (None: nothing pushed), for the log's "checked N ago", and the
    log's version, which changes whenever a push or a status read (a check, a webhook) touches
    them: the open log asks for it every few seconds and reloads its rows only when it moved."""
    found = (
        ChangeOrderRequest.objects.for_account(account)
        .filter(procore_pushes__office=F("project__office"))
        .aggregate(
            oldest=Min("procore_pushes__status_checked_at"),
            pushes=Count("procore_pushes"),
            pushed=Max("procore_pushes__pushed_at"),
            checked=Max("procore_pushes__status_checked_at"),
        )
    )
    stamps = (found["pushed"], found["checked"])
    version = "-".join(
        [str(found["pushes"]), *(f"{s.timestamp():.6f}" if s else "0" for s in stamps)]
    )
    return found["oldest"], version
