"""The Procore vs Trestle report run as a user starts it, for the tests of each comparer."""

from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.reconcile.services import reconcile_queue


def report_run(tenant, status: str = "succeeded") -> SyncRun:
    """One report of the tenant's office, run here; it must end with `status`."""
    run = reconcile_queue(office=tenant.office, user=tenant.owner, enqueue=lambda i: None)
    run = run_execute(run.pk)
    assert run.status == status, run.error
    return run
