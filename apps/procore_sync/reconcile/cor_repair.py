"""Repairs of the COR comparer's differences: update the log, or push again."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.projects.models import Project

from ..cor_push.lines import label
from ..cor_push.options import PushOptions
from ..cor_push.services import push_queue
from ..engine_models import SyncRun
from ..push_models import CorPush
from ..reconcile_models import Difference, DiffField, Repair
from .comparison import Enqueue


def cors_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """A status is written into the COR log at once; the rest are pushed again, one cor_push run
    per Change Event (a deleted one's CORs into a new one). A queued push resolves nothing by
    itself: the next report shows whether it did."""
    office = todo[0].office
    pushes = {
        p.cor_id: p
        for p in CorPush.objects.filter(
            office=office, cor_id__in={d.object_id for d in todo}
        ).select_related("cor__project", "cor__change_notification__customer_project")
    }
    runs = []
    with transaction.atomic():
        _update_log([d for d in todo if d.repair == Repair.UPDATE_LOG], pushes)
        pushed = [d for d in todo if d.repair != Repair.UPDATE_LOG and d.object_id in pushes]
        for group in _by_target(pushed, pushes).values():
            run = _push_again(group, pushes, user, enqueue)
            Difference.objects.filter(pk__in=[d.pk for d in group]).update(repair_run=run)
            runs.append(run)
    return runs


def _update_log(differences: list[Difference], pushes: dict[int, CorPush]) -> None:
    """Procore's status is the truth for a Change Event's status: the log takes it."""
    for difference in differences:
        CorPush.objects.filter(
            office_id=difference.office_id, change_event_id=difference.change_event_id
        ).update(change_event_status=difference.procore_value, status_checked_at=timezone.now())
    Difference.objects.filter(pk__in=[d.pk for d in differences]).update(resolved_at=timezone.now())


def _by_target(differences: list[Difference], pushes: dict[int, CorPush]) -> dict:
    """Differences grouped by the push that repairs them: same project, event and choices."""
    groups: dict[tuple, list[Difference]] = defaultdict(list)
    for difference in differences:
        push = pushes[difference.object_id]
        new_event = difference.repair == Repair.PUSH_NEW_EVENT
        contract = tuple(sorted((push.contract or {}).items()))
        target = (_project(push).pk, None if new_event else push.change_event_id, push.mode)
        groups[(*target, contract)].append(difference)
    return groups


def _push_again(
    group: list[Difference], pushes: dict[int, CorPush], user: User | None, enqueue: Enqueue
) -> SyncRun:
    rows = list({d.object_id: pushes[d.object_id] for d in group}.values())
    for difference in group:  # a line gone from Procore is written anew, not updated by id
        if difference.field == DiffField.MISSING_LINE:
            push = pushes[difference.object_id]
            push.line_ids = {k: v for k, v in push.line_ids.items() if k != difference.key}
            push.save(update_fields=["line_ids"])
    first = rows[0]
    new_event = group[0].repair == Repair.PUSH_NEW_EVENT
    if new_event:  # Procore deleted the Change Event: the CORs are in none until pushed
        CorPush.objects.filter(pk__in=[r.pk for r in rows]).update(change_event_id=None)
    codes = {k: v for row in rows for k, v in row.budget_codes.items() if v}
    options = PushOptions.from_params(
        {
            "mode": first.mode,
            "change_event_id": None if new_event else first.change_event_id,
            "title": f"Pushed again by Trestle: {', '.join(label(r.cor) for r in rows)}"[:255],
            "budget_codes": codes,
            "contract": first.contract,
        }
    )
    return push_queue(
        project=_project(first),
        cors=[r.cor for r in rows],
        options=options,
        user=user,
        enqueue=enqueue,
    )


def _project(push: CorPush) -> Project:
    """The project the COR was pushed from: its own, or the customer's it answers."""
    cor = push.cor
    if cor.project.office_id == push.office_id:
        return cor.project
    return cor.change_notification.customer_project
