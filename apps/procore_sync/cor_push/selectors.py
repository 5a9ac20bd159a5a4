"""Which CORs a push may name: the caller's own, or those answering its change notifications."""

from django.db.models import QuerySet

from apps.cors.models import ChangeOrderRequest
from apps.projects.models import Project


def pushable_cor_list(*, account, project: Project, cor_ids: list[int]) -> QuerySet:
    """CORs of `account`, plus CORs of contractors answering a change notification `account`
    sent from `project`; any other COR is as if it did not exist. `push_queue` then checks
    that each belongs to `project`."""
    own = ChangeOrderRequest.objects.for_account(account)
    answering = ChangeOrderRequest.objects.filter(
        change_notification__customer=account, change_notification__customer_project=project
    )
    return (
        (own | answering)
        .filter(pk__in=cor_ids)
        .select_related("project__office", "change_notification")
        .order_by("project_id", "number")
    )
