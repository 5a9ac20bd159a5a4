from django.db.models import Q, QuerySet

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


def cor_list(
    *, account, project_id=None, status="", q="", date_from=None, date_to=None, sort="-created"
) -> QuerySet[ChangeOrderRequest]:
    """The COR log: one query per page whatever the page size (totals are stored on the COR)."""
    cors = ChangeOrderRequest.objects.for_account(account).select_related("project")
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
    return cors.order_by(*SORTS.get(sort, SORTS["-created"]))
