"""Change Event statuses come back from Procore: on a webhook, when someone opens the COR log
(if the last check is older than STALE, or at once with Refresh), and on the schedule (every 15
minutes: it only catches what a lost webhook missed). They drive the log's filter."""

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import islice

from django.utils import timezone

from apps.offices.models import Office

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import filters
from ..engine_models import Outcome, RunStatus, SyncItem, SyncRun, Trigger
from ..live import live_connection
from ..mapping.common import MappingError
from ..push_models import CorPush
from ..runs import RunRecorder, run_queue
from .answers import checked_event
from .catalog import status_name

FLOW = "change_event_statuses"
STALE = timedelta(minutes=1)
IDS_PER_REQUEST = 100


def statuses_flow(run: SyncRun, recorder: RunRecorder) -> None:
    client = ProcoreClient(live_connection(run.office))
    pushes = CorPush.objects.filter(office=run.office, change_event_id__isnull=False)
    by_project: dict[int, set[int]] = defaultdict(set)
    for project_id, event_id in pushes.values_list("procore_project_id", "change_event_id"):
        by_project[project_id].add(event_id)
    run.progress_total = len(by_project)
    run.save(update_fields=["progress_total"])
    for project_id, event_ids in by_project.items():
        counts, items = statuses_read(client, run.office, project_id, event_ids)
        recorder.add(counts, items, done=1)


def statuses_read(
    client: ProcoreClient, office: Office, project_id: int, event_ids: set[int]
) -> tuple[Counter, list[SyncItem]]:
    """Read these Change Events of one project (IDS_PER_REQUEST to a request) and carry their
    statuses to the pushes."""
    counts, items = Counter(), []
    ids = iter(sorted(event_ids))
    while chunk := list(islice(ids, IDS_PER_REQUEST)):
        listed = resources.change_events(client, project_id=project_id, params=filters(id=chunk))
        statuses, unread = _statuses(listed)
        applied_counts, applied = statuses_apply(office, statuses)
        counts += applied_counts + Counter(failed=len(unread))
        items += unread + applied
    return counts, items


def _statuses(listed) -> tuple[dict[int, str], list[SyncItem]]:
    """Each listed Change Event's status; one that cannot be read is a failed item (its status
    is read again by the next check) and never a wrong status on the COR log."""
    statuses, unread = {}, []
    for number, event in enumerate(listed, start=1):
        try:
            checked_event(event)
            statuses[event["id"]] = status_name(event)
        except MappingError as exc:
            unread.append(
                SyncItem(
                    entity="change_event",
                    direction="in",
                    label=f"Change Event #{number} of Procore's list",
                    outcome=Outcome.FAILED,
                    message=f"Procore's answer could not be read ({exc}).",
                    fix="The next status check reads it again.",
                )
            )
    return statuses, unread


def statuses_apply(office: Office, statuses: dict[int, str]) -> tuple[Counter, list[SyncItem]]:
    """Carry each Change Event's status (as read; an empty one is not known) to its pushes."""
    now, counts, items = timezone.now(), Counter(), []
    pushes = CorPush.objects.filter(office=office, change_event_id__in=statuses)
    changed = {}
    for push in pushes:
        new = statuses[push.change_event_id]
        if new and new != push.change_event_status:
            changed.setdefault(
                push.change_event_id, (push.change_event_number, push.change_event_status, new)
            )
    for event_id, (number, old, new) in changed.items():
        CorPush.objects.filter(office=office, change_event_id=event_id).update(
            change_event_status=new
        )
        counts[Outcome.UPDATED] += 1
        items.append(
            SyncItem(
                entity="change_event",
                direction="in",
                procore_id=event_id,
                label=f"Change Event {number}",
                outcome=Outcome.UPDATED,
                message=f"Status {old or 'unknown'} -> {new}.",
            )
        )
    pushes.update(status_checked_at=now)
    return counts, items


def refresh_if_stale(account, *, enqueue, force: bool = False) -> int:
    """Queue a status check for each office of `account` whose pushed Change Events were last
    checked more than STALE ago (any check, when `force`), unless one is queued or running."""
    cutoff = timezone.now() - (timedelta(0) if force else STALE)
    offices = set(
        CorPush.objects.for_account(account)
        .filter(change_event_id__isnull=False, status_checked_at__lt=cutoff)
        .values_list("office_id", flat=True)
    )
    busy = set(
        SyncRun.objects.filter(
            office_id__in=offices, flow=FLOW, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).values_list("office_id", flat=True)
    )
    queued = 0
    for office in Office.objects.filter(pk__in=offices - busy):
        run_queue(office=office, flow=FLOW, trigger=Trigger.USER, enqueue=enqueue)
        queued += 1
    return queued


def statuses_checking(account) -> bool:
    """Whether a status check of `account`'s offices is queued or running: the log then looks
    again in a few seconds."""
    return (
        SyncRun.objects.for_account(account)
        .filter(flow=FLOW, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .exists()
    )
