"""Run against the embedded default (SQLite, database cache) by test_sqlite_recovery.py, in a
process of its own: the lease heartbeat, a flow's failure and the recovery sweeper, as a worker
and beat under `make run` run them. Prints one JSON object of what it saw."""

import json
import time
from datetime import timedelta

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Account  # noqa: E402
from apps.offices.models import Office  # noqa: E402
from apps.procore_sync import engine, recovery, runs  # noqa: E402
from apps.procore_sync.engine_models import RunStatus, SyncRun  # noqa: E402


def main() -> dict:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    office = Office.objects.create(account=Account.objects.create(name="Lite"), name="HQ")
    seen = {}

    def queue(flow: str, **params) -> SyncRun:
        return runs.run_queue(
            office=office, flow=flow, trigger="user", params=params, enqueue=lambda _: None
        )

    # A flow that fails: its unit ends failed, the run failed, and Retry has work.
    failed = engine.run_execute(queue("entities", entities=["vendors"]).pk)
    seen["failed"] = [failed.status, list(failed.items.values_list("entity", "outcome"))]

    # The heartbeat renews the lease from its own thread while the flow runs.
    runs.LEASE, runs.HEARTBEAT = timedelta(seconds=0.6), timedelta(seconds=0.2)
    leases = []

    def slow(run, recorder):
        for _ in range(6):
            time.sleep(0.25)
            leases.append(SyncRun.objects.get(pk=run.pk).lease_expires_at)

    engine.FLOWS["slow"] = slow
    slow_run = engine.run_execute(queue("slow").pk)
    seen["heartbeat"] = [slow_run.status, (max(leases) - min(leases)).total_seconds()]

    # A dead run: ended by the sweeper, its undone unit queued once as a recovery run.
    dead = queue("entities", entities=["employees", "vendors"])
    SyncRun.objects.filter(pk=dead.pk).update(
        status=RunStatus.RUNNING,
        lease_expires_at=timezone.now() - timedelta(minutes=1),
        work={"entity": "kind", "ids": ["employees", "vendors"], "done": ["employees"]},
    )
    sent: list[int] = []
    ended = recovery.runs_recover(enqueue=sent.append)
    again = recovery.runs_recover(enqueue=sent.append)
    dead.refresh_from_db()
    follow = SyncRun.objects.get(pk=sent[0])
    seen["recovery"] = [ended, again, dead.status, follow.trigger, follow.params["entities"]]
    SyncRun.objects.filter(pk=follow.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    seen["resent"] = [recovery.queued_resend(enqueue=sent.append), sent[-1] == follow.pk]
    return seen


print(json.dumps(main()))
