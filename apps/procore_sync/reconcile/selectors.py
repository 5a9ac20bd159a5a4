"""What the report page, the CSV and the API read."""

from django.db.models import QuerySet

from apps.offices.models import Office

from ..engine_models import RunStatus, SyncRun
from ..reconcile_models import Difference
from .flow import FLOW

FINISHED = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)


def report_latest(*, office: Office) -> SyncRun | None:
    """The office's latest report that compared (a failed one found nothing to trust)."""
    runs = SyncRun.objects.filter(office=office, flow=FLOW, status__in=FINISHED)
    return runs.order_by("-ended_at", "-pk").first()


def report_pending(*, office: Office) -> SyncRun | None:
    runs = SyncRun.objects.filter(
        office=office, flow=FLOW, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    )
    return runs.order_by("-pk").first()


def difference_list(
    *, account, office_id: int | None = None, flow: str = "", field: str = ""
) -> QuerySet:
    """The open differences of `account`: those of each office's latest report, not repaired
    by a repair written at once (a queued repair run stays listed, with its run, until a report
    clears it)."""
    differences = Difference.objects.for_account(account).filter(resolved_at__isnull=True)
    if office_id is not None:
        differences = differences.filter(office_id=office_id)
    if flow:
        differences = differences.filter(flow=flow)
    if field:
        differences = differences.filter(field=field)
    return differences.select_related("office", "repair_run")
