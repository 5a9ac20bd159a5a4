"""Start the "Procore vs Trestle" report, and repair what it found."""

from itertools import groupby

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.offices.models import Office

from ..engine_models import SyncRun, Trigger
from ..reconcile_models import Difference
from ..runs import run_queue
from .comparison import Enqueue
from .flow import FLOW
from .registry import comparer_of


def reconcile_queue(*, office: Office, user: User | None, enqueue: Enqueue) -> SyncRun:
    """Queue the report as a run of the "reconcile" flow (Sync Activity shows it)."""
    run = run_queue(office=office, flow=FLOW, trigger=Trigger.USER, user=user, enqueue=enqueue)
    audit_record(account=office.account, actor=user, action="procore.reconcile_started", target=run)
    return run


def differences_repair(
    *, differences: list[Difference], user: User | None, enqueue: Enqueue
) -> list[SyncRun]:
    """Repair each open difference not already being repaired, by its comparer; returns the runs
    queued. All must be of one office."""
    todo = [d for d in differences if d.resolved_at is None and d.repair_run_id is None]
    if not todo:
        return []
    office = todo[0].office
    runs = []
    for flow, group in groupby(sorted(todo, key=lambda d: d.flow), key=lambda d: d.flow):
        runs += comparer_of(flow).repair(list(group), user, enqueue)
    audit_record(
        account=office.account,
        actor=user,
        action="procore.reconcile_repaired",
        target=office,
        detail={"differences": [d.pk for d in todo], "runs": [r.pk for r in runs]},
    )
    return runs
