"""Changes to the Change Events Trestle pushed: to an event ("Change Events") or to one of its
lines ("Change Event Line Items"). Each project's named events are read with one list request
by ids (the report's own read), their statuses carried to the COR log (the status check's own
write), and their pushes compared again as the nightly report compares them, replacing those
CORs' open differences: a line changed in Procore is on the report within seconds.

Events Trestle did not push are not Trestle's to follow and are never read. A line event names
a line, not its event: a line Trestle pushed is found by its push; another (added in Procore)
has its project's pushed events read again. A deleted event keeps its last status and is left
to the nightly report, which lists it as deleted; an unreadable answer fails the change.
"""

from collections import Counter, defaultdict

from apps.offices.models import Office

from ..cor_push.catalog import status_name
from ..cor_push.statuses import statuses_apply
from ..importers.context import SyncContext
from ..push_models import CorPush
from ..reconcile.comparison import Comparison
from ..reconcile.cors import FLOW, events_read, project_differences, pushes_by_project
from ..reconcile.flow import differences_store
from . import reads
from .applied import Applied, latest
from .changes import Change

EVENTS = "Change Events"
UNREAD = "Procore's answer for its Change Event could not be read."


class Wanted:
    """What each change needs read: project -> event ids, and per change the events it names
    (`strict`: each must be listed; a line's project re-check only needs an answer)."""

    def __init__(self) -> None:
        self.by_project: dict[int, set[int]] = defaultdict(set)
        self.by_change: dict[int, tuple[set[int], bool]] = {}

    def add(self, change: Change, project_id: int, event_ids: set[int], strict: bool) -> None:
        self.by_project[project_id] |= event_ids
        self.by_change[change.pk] = (event_ids, strict)


def change_events_apply(ctx: SyncContext, changes: list[Change]) -> Applied:
    done, wanted = Applied(), Wanted()
    _events_wanted(ctx.office, [c for c in changes if c.resource_name == EVENTS], wanted)
    _lines_wanted(ctx.office, [c for c in changes if c.resource_name != EVENTS], wanted)
    read, unsure = set(), set()
    for project_id, ids in wanted.by_project.items():
        got, doubtful = _project_refresh(ctx, done, project_id, ids)
        read |= got
        unsure |= doubtful
    for pk, (ids, strict) in wanted.by_change.items():
        if ids & unsure:
            done.failed[pk] = UNREAD
        elif strict and ids - read:
            done.failed[pk] = reads.NOT_LISTED
    return done


def _events_wanted(office: Office, changes: list[Change], wanted: Wanted) -> None:
    """A pushed event's own change; one deleted (by its last change) needs no read."""
    pushed = dict(
        CorPush.objects.filter(
            office=office, change_event_id__in={c.resource_id for c in changes}
        ).values_list("change_event_id", "procore_project_id")
    )
    last = latest(changes)
    for change in changes:
        if not last[change.resource_id].deleted and change.resource_id in pushed:
            wanted.add(change, pushed[change.resource_id], {change.resource_id}, strict=True)


def _lines_wanted(office: Office, changes: list[Change], wanted: Wanted) -> None:
    """A line's change: the event of the push that holds it, else the project's pushed events."""
    rows = CorPush.objects.filter(
        office=office,
        change_event_id__isnull=False,
        procore_project_id__in={c.project_id for c in changes},
    ).values_list("change_event_id", "procore_project_id", "line_ids")
    event_of, of_project = {}, defaultdict(set)
    for event_id, project_id, line_ids in rows:
        of_project[project_id].add(event_id)
        event_of |= dict.fromkeys((line_ids or {}).values(), event_id)
    for change in changes:
        if change.resource_id in event_of:
            wanted.add(change, change.project_id, {event_of[change.resource_id]}, strict=True)
        elif of_project.get(change.project_id):
            wanted.add(change, change.project_id, of_project[change.project_id], strict=False)


def _project_refresh(
    ctx: SyncContext, done: Applied, project_id: int, ids: set[int]
) -> tuple[set[int], set[int]]:
    """Read one project's events, carry their statuses, store their pushes' differences; returns
    the ids read and those whose answer could not be read."""
    result = Comparison()
    events, unsure = events_read(ctx.client, project_id, ids, result.unread)
    done.add(*statuses_apply(ctx.office, {i: status_name(e) for i, e in events.items()}))
    pushes = pushes_by_project(ctx.office, set(events)).get(project_id, [])
    found = project_differences(ctx.client, project_id, pushes, events, result)
    differences_store(ctx.run, FLOW, found, object_ids={p.cor_id for p in pushes})
    done.add(Counter(differences=len(found), failed=len(result.unread)), result.unread)
    return set(events), unsure
