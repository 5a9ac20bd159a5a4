"""Webhook latency: changes made in Procore reach Trestle's records through their webhooks and an
idle Celery worker, timed from the change to the moment Trestle's database shows it (issue 17).

The stack (benchkit: its own PostgreSQL database, the seeded sandbox behind gunicorn, Redis as
the broker) plus one `celery -A config worker` (prefork, concurrency 2) and `celery beat`, both
idle until the changes start. Set-up, before any hook exists: the seed backdated an hour, a full
entity import (projects, sub jobs, employees, vendors linked), 10 Change Events per Procore
project each with a pushed COR (a CorPush at "Open"), then `webhooks_register` (the office's
hook with its secret header, every trigger). Then `--changes` changes, one every `--interval`
seconds, round robin over five kinds, each through the sandbox's own edit path so the sandbox
queues its deliveries as Procore would and this process's background sender posts them to
Trestle's webhook URL: a Change Event's status (`edits.change_event_status_set`), an employee's
last name (`edits.employee_update`), a vendor's name (`edits.vendor_update`), a sub job's name
and a commitment's title (`store.record_update`). Each change's clock starts when its edit has
committed; it stops when a query of Trestle's table finds the new value (polled every 50 ms).
Changes not seen within `--timeout` seconds of the last one are not applied.

The last line: `{"changes": N, "applied": N, "p50_s": F, "p95_s": F}`.

    .venv/bin/python bench/webhook_latency.py [--changes 200] [--interval 0.3] [--timeout 60]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchkit import stack

SEED = ("--employees", "40", "--projects", "4", "--vendors", "20", "--sub-jobs", "3")
EVENTS_PER_PROJECT = 10
WORKER = ["-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "2"]
WORKER += ["-Q", "interactive,bulk", "--loglevel", "INFO", "--without-mingle", "--without-gossip"]
POLL = 0.05  # seconds between looks at Trestle's tables
STATUSES = ("Pending", "Closed", "Open")
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {text}", flush=True)


@dataclass
class Change:
    kind: str
    made_at: float
    landed: Callable[[], bool]
    landed_at: float | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="changes made in the sandbox")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between changes")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait at the end")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="trestle-bench-webhooks-"))
    with stack.bench_stack(*SEED) as bench:
        stack.django_setup()
        say(f"stack up: {bench.notes[0]} ({bench.seed_seconds:.1f}s); logs in {logs}")
        office, targets = prepare()
        workers = start(bench, logs)
        try:
            changes = drive(office, targets, args)
        finally:
            for process in workers:
                stack.stop_group(process, timeout=30)
        figures = count(changes)
        report(office, changes, figures, args)
    print(json.dumps(figures))


# --- set-up ----------------------------------------------------------------------------------


def prepare():
    """An office with the sandbox company imported and 10 pushed Change Events per project."""
    from benchkit.office import connected_office, owner_create

    from apps.procore_sync.engine import run_execute
    from apps.procore_sync.runs import run_queue
    from apps.procore_sync.webhooks import webhooks_register

    office, connection = connected_office("Bench Webhooks")
    owner = owner_create(office.account, "owner@bench-webhooks.test")
    stack.sandbox_backdate()
    started = time.monotonic()
    run = run_queue(office=office, flow="entities", trigger="user", enqueue=lambda _: None)
    run = run_execute(run.pk)
    say(f"entity import: {run.status} {json.dumps(run.counts)} ({time.monotonic() - started:.1f}s)")
    events = _pushed_change_events(office, owner)
    webhooks_register(connection)
    targets = _targets(connection.company_id, events)
    say("targets: " + json.dumps({kind: len(ids) for kind, ids in targets.items()}))
    return office, targets


def _pushed_change_events(office, owner) -> list[int]:
    """Change Events made in Procore before the hook exists, each the push of a COR."""
    from apps.cors.services import cor_create
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.engine_models import ExternalRef
    from apps.procore_sync.push_models import CorPush
    from apps.projects.models import Project

    company = _company(office)
    opened = SandboxRecord.objects.get(
        company=company, resource="change_event_statuses", data__name="Open"
    )
    events = []
    for ref in ExternalRef.objects.filter(office=office, procore_type="project"):
        project = Project.objects.get(pk=ref.object_id)
        for n in range(EVENTS_PER_PROJECT):
            record = store.record_create(
                company=company,
                resource="change_events",
                project_id=ref.procore_id,
                data={"title": f"Bench {n}", "number": f"{n + 1:03d}",
                      "change_event_status_id": opened.id},
            )  # fmt: skip
            cor = cor_create(project=project, user=owner, title=f"Bench {n}", lines=[])
            CorPush.objects.create(
                office=office, cor=cor, procore_project_id=ref.procore_id,
                change_event_id=record.id, change_event_number=f"{n + 1:03d}",
                change_event_status="Open", pushed_by=owner,
            )  # fmt: skip
            events.append(record.id)
    return events


def _targets(company_id: int, events: list[int]) -> dict[str, list[int]]:
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.engine_models import ExternalRef

    def linked(procore_type: str) -> list[int]:
        refs = ExternalRef.objects.filter(procore_type=procore_type).exclude(procore_id=None)
        return sorted(refs.values_list("procore_id", flat=True))

    projects = linked("project")
    live = SandboxRecord.objects.filter(company_id=company_id, deleted_at=None)
    contracts = live.filter(
        resource__in=("work_order_contracts", "purchase_order_contracts"), project_id__in=projects
    )
    return {
        "change_event": events,
        "employee": linked("company_user"),
        "vendor": linked("vendor"),
        "sub_job": linked("sub_job"),
        "commitment": sorted(contracts.values_list("id", flat=True)),
    }


def start(bench, logs: Path) -> list[subprocess.Popen]:
    """An idle worker (waited for until it says it is ready) and the beat."""
    environ = {**bench.environ, "PYTHONUNBUFFERED": "1"}

    def spawn(args: list[str], log: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=stack.ROOT,
            env=environ,
            stdout=open(logs / log, "a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    beat = ["-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]
    beat += ["-s", str(bench.run_dir / "celerybeat-schedule")]
    processes = [spawn(beat, "beat.log"), spawn([*WORKER, "--hostname", "bench@%h"], "worker.log")]
    deadline = time.monotonic() + 90
    while "ready." not in (logs / "worker.log").read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    say("worker ready; beat started")
    time.sleep(2)  # idle, as the goal says
    return processes


# --- the changes -----------------------------------------------------------------------------


def drive(office, targets: dict[str, list[int]], args) -> list[Change]:
    kinds = list(targets)
    changes: list[Change] = []
    for n in range(args.changes):
        kind = kinds[n % len(kinds)]
        ids = targets[kind]
        record_id = ids[(n // len(kinds)) % len(ids)]
        landed = MAKE[kind](office, record_id, n)
        changes.append(Change(kind, time.time(), landed))
        _poll_until(changes, time.monotonic() + args.interval)
    say(f"{args.changes} changes made; waiting at most {args.timeout:.0f}s for the rest")
    _poll_until(changes, time.monotonic() + args.timeout, stop_when_done=True)
    return changes


def _poll_until(changes: list[Change], until: float, *, stop_when_done: bool = False) -> None:
    while time.monotonic() < until:
        waiting = [c for c in changes if c.landed_at is None]
        if stop_when_done and not waiting:
            return
        for change in waiting:
            if change.landed():
                change.landed_at = time.time()
        time.sleep(POLL)


def _company(office):
    from apps.procore_sandbox.models import SandboxCompany
    from apps.procore_sync.models import ProcoreConnection

    return SandboxCompany.objects.get(pk=ProcoreConnection.objects.get(office=office).company_id)


def _change_event(office, record_id: int, n: int) -> Callable[[], bool]:
    from apps.procore_sandbox import edits
    from apps.procore_sync.push_models import CorPush

    status = STATUSES[(n // 5 // 40) % len(STATUSES)]
    edits.change_event_status_set(company=_company(office), change_event_id=record_id,
                                  status=status)  # fmt: skip
    return CorPush.objects.filter(
        office=office, change_event_id=record_id, change_event_status=status
    ).exists


def _employee(office, record_id: int, n: int) -> Callable[[], bool]:
    from apps.procore_sandbox import edits
    from apps.timecards.models import Employee

    name = f"Bench {n}"
    edits.employee_update(company=_company(office), user_id=record_id, last_name=name)
    return Employee.objects.filter(office=office, last_name=name).exists


def _vendor(office, record_id: int, n: int) -> Callable[[], bool]:
    from apps.ap_invoices.models import Vendor
    from apps.procore_sandbox import edits

    name = f"Bench Vendor {n}"
    edits.vendor_update(company=_company(office), vendor_id=record_id, name=name)
    return Vendor.objects.filter(office=office, name=name).exists


def _record_update(record_id: int, changes: dict) -> None:
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord

    store.record_update(SandboxRecord.objects.get(pk=record_id), changes)


def _sub_job(office, record_id: int, n: int) -> Callable[[], bool]:
    from apps.projects.models import SubJob

    name = f"Bench phase {n}"
    _record_update(record_id, {"name": name})
    return SubJob.objects.filter(project__office=office, name=name).exists


def _commitment(office, record_id: int, n: int) -> Callable[[], bool]:
    from apps.ap_invoices.models import Commitment

    title = f"Bench contract {n}"
    _record_update(record_id, {"title": title})
    return Commitment.objects.filter(office=office, title=title).exists


MAKE = {
    "change_event": _change_event,
    "employee": _employee,
    "vendor": _vendor,
    "sub_job": _sub_job,
    "commitment": _commitment,
}


# --- the figures -----------------------------------------------------------------------------


def count(changes: list[Change]) -> dict:
    lags = sorted(c.landed_at - c.made_at for c in changes if c.landed_at is not None)
    return {
        "changes": len(changes),
        "applied": len(lags),
        "p50_s": round(statistics.median(lags), 3) if lags else None,
        "p95_s": round(_percentile(lags, 0.95), 3) if lags else None,
    }


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(office, changes: list[Change], figures: dict, args) -> None:
    from apps.procore_sandbox import webhook_sender
    from apps.procore_sync.engine_models import SyncRun, WebhookDelivery

    print(f"\nwebhook latency: {args.changes} changes, one every {args.interval}s, idle worker")
    print("  | kind | changes | applied | p50 s | p95 s | max s |")
    print("  |---|---|---|---|---|---|")
    for kind in MAKE:
        mine = [c for c in changes if c.kind == kind]
        lags = sorted(c.landed_at - c.made_at for c in mine if c.landed_at is not None)
        cells = (
            f"{statistics.median(lags):.2f} | {_percentile(lags, 0.95):.2f} | {lags[-1]:.2f}"
            if lags
            else "- | - | -"
        )
        print(f"  | {kind} | {len(mine)} | {len(lags)} | {cells} |")
    runs = SyncRun.objects.filter(office=office, flow="webhook")
    deliveries = WebhookDelivery.objects.filter(office=office)
    print(f"  sandbox deliveries: {json.dumps(webhook_sender.counts())}")
    states = Counter(f"{o} {s}" for o, s in deliveries.values_list("outcome", "state"))
    print(f"  Trestle deliveries by outcome and state: {json.dumps(states)}")
    statuses = Counter(runs.values_list("status", flat=True))
    print(f"  webhook runs: {runs.count()} {json.dumps(statuses)}")
    failed = SyncRun.objects.filter(office=office, items__outcome="failed").distinct().count()
    print(f"  runs with a failed item: {failed}")
    print(f"  figures: {json.dumps(figures)}")
    print(f"\ntotal wall time {time.monotonic() - STARTED:.0f}s")


if __name__ == "__main__":
    main()
