"""Queue latency: a COR push's time from enqueue to "succeeded" on an idle stack, and while a
20,000-employee import of the same office runs on the other queue (issue 18, point 6).

The stack (benchkit: its own PostgreSQL database, the sandbox seeded with `--employees` company
users behind gunicorn, Redis as the broker) plus two Celery workers shaped as docker-compose.yml
runs them: `-Q interactive` and `-Q bulk`, prefork, `--concurrency` each. Set-up: an office
connected to the seeded company; a Procore project with budget codes (5 cost codes x 5 cost
types) and a commitment mapped to a Trestle project; `1 + 2 x --pushes` CORs of 5 lines. Then:

1. warm-up: one push (fills the catalog caches the others then share; not counted);
2. idle: `--pushes` pushes one after another, nothing else running;
3. during import: a scheduled full "employees" import is queued (bulk), and once it is running,
   `--pushes` pushes one after another (interactive); then the import is waited for.

Each push is `push_queue(..., enqueue=enqueue_run)` of one COR, as the COR log's button queues
it; its latency is the run's `ended_at - created_at` (created in the same transaction that
enqueues it on commit). Figures are printed as measured; nothing is asserted. The last line:
`{"import_employees": N, "push_latency_idle_s": F, "push_latency_during_import_s": F,
"import_still_running_at_push_end": B, "import_s": F, ...}` (medians over the pushes).
`--one-worker` runs the comparison: one worker consuming both queues (`make run`'s shape).

    .venv/bin/python bench/queue_latency.py [--employees 20000] [--pushes 5] [--concurrency 1]
        [--one-worker]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchkit import stack

COST_CODES = [
    ("03-300", "Concrete"),
    ("05-100", "Steel"),
    ("09-200", "Drywall"),
    ("22-100", "Plumbing"),
    ("26-100", "Wiring"),
]
COST_TYPES = {"labor": "L", "material": "M", "equipment": "E", "subcontract": "S", "other": "O"}
POLL = 0.02  # seconds between looks at a run's status
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {text}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=20_000, help="company users to import")
    parser.add_argument("--pushes", type=int, default=5, help="timed pushes per phase")
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker")
    parser.add_argument(
        "--one-worker",
        action="store_true",
        help="the comparison: one worker consuming both queues instead of one per queue",
    )
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="trestle-bench-queues-"))
    seed = ["--employees", str(args.employees), "--projects", "1", "--vendors", "2"]
    with stack.bench_stack(*seed, "--sub-jobs", "1") as bench:
        stack.django_setup()
        say(f"stack up: {bench.notes[0]} ({bench.seed_seconds:.1f}s); logs in {logs}")
        target = prepare(1 + 2 * args.pushes)
        queues = ["interactive,bulk"] if args.one_worker else ["interactive", "bulk"]
        workers = start_workers(bench, logs, queues, args.concurrency)
        try:
            figures = measure(target, args)
        finally:
            for process in workers:
                stack.stop_group(process, timeout=30)
    report(figures, args)
    print(json.dumps(summary(figures, args)))


# --- set-up ----------------------------------------------------------------------------------


def prepare(cors: int) -> dict:
    """An office connected to the seeded company, and a mapped project with `cors` CORs."""
    from benchkit.office import connected_office, demo_company, owner_create

    from apps.cors.services import Line, cor_create
    from apps.procore_sandbox import store
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import CostCode, Project

    office, _ = connected_office("Bench Queues")
    user = owner_create(office.account, "owner@bench-queues.test")
    company = demo_company()

    def add(resource: str, project_id: int | None = None, **data) -> int:
        return store.record_create(
            company=company, resource=resource, data=data, project_id=project_id
        ).id

    if not store.records(company, ("change_event_statuses",)).exists():
        for name in ("Open", "Pending", "Closed"):
            add(
                "change_event_statuses",
                name=name,
                mapped_to_status=name.lower(),
                show_in_select=True,
                default_status=name == "Open",
            )
    remote = add("projects", name="Queue Tower", project_number="Q-1", active=True)
    codes = []
    for code, title in COST_CODES:
        for letter in COST_TYPES.values():
            add(
                "wbs_codes",
                remote,
                flat_code=f"{code}.{letter}",
                description=title,
                status="active",
                segment_items=[{"code": code, "name": title}, {"code": letter}],
            )
        codes.append(
            CostCode.objects.create(office=office, code=code, name=title, division_code=code[:2])
        )
    vendor = add("vendors", name="Queue Subcontractor")
    commitment = add(
        "work_order_contracts",
        remote,
        number="SC-001",
        title="Main SC",
        status="Approved",
        vendor_id=vendor,
    )
    project = Project.objects.create(office=office, number="Q-1", name="Queue Tower")
    project_map(project=project, procore_project={"id": remote, "name": "Queue Tower"}, user=user)
    lines = [
        Line(
            description=f"Item {i}",
            cost_type=cost_type,
            quantity=Decimal(2),
            unit_cost=Decimal("40.50"),
            markup_percent=Decimal(0),
            cost_code=codes[i],
        )
        for i, cost_type in enumerate(COST_TYPES)
    ]
    made = [
        cor_create(project=project, user=user, title=f"Change {n}", lines=lines)
        for n in range(cors)
    ]
    return {
        "office": office.pk,
        "project": project.pk,
        "user": user.pk,
        "commitment": commitment,
        "cors": [c.pk for c in made],
    }


def start_workers(bench, logs: Path, queues: list[str], concurrency: int) -> list[subprocess.Popen]:
    """A worker per entry of `queues` (docker-compose.yml runs one per queue); waited for
    until each is ready."""
    processes = []
    for queue in queues:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
        command += [
            "-n",
            f"{queue.replace(',', '+')}@%h",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
        ]
        command += ["--loglevel", "INFO", "--without-mingle", "--without-gossip"]
        processes.append(
            subprocess.Popen(
                command,
                cwd=stack.ROOT,
                env={**bench.environ, "PYTHONUNBUFFERED": "1"},
                stdout=open(logs / f"worker-{queue}.log", "a"),  # noqa: SIM115 - with the process
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 120
    for queue in queues:
        while "ready." not in (logs / f"worker-{queue}.log").read_text():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {queue} worker did not start; see {logs}")
            time.sleep(0.2)
    say(f"workers ready: {' and '.join(queues)}")
    return processes


# --- the phases ------------------------------------------------------------------------------


def measure(target: dict, args) -> dict:
    cors = iter(target["cors"])
    push(target, next(cors))  # warm-up
    idle = [push(target, next(cors)) for _ in range(args.pushes)]
    say("idle pushes: " + ", ".join(f"{p['latency_s']:.2f}s" for p in idle))
    imported = import_start(target["office"])
    during = []
    for _ in range(args.pushes):
        during.append(push(target, next(cors)))
        during[-1]["import_status"] = status_of(imported)
    say("pushes during the import: " + ", ".join(f"{p['latency_s']:.2f}s" for p in during))
    still_running = during[-1]["import_status"] == "running"
    done = wait_finished(imported, timeout=3600)
    return {"idle": idle, "during": during, "still_running": still_running, "import": done}


def push(target: dict, cor_id: int) -> dict:
    from apps.accounts.models import User
    from apps.cors.models import ChangeOrderRequest
    from apps.procore_sync.cor_push.options import PushOptions
    from apps.procore_sync.cor_push.services import push_queue
    from apps.procore_sync.tasks import enqueue_run
    from apps.projects.models import Project

    project = Project.objects.select_related("office__account").get(pk=target["project"])
    options = PushOptions.from_params(
        {
            "title": f"Queue bench {cor_id}",
            "contract": {"type": "commitment", "id": target["commitment"]},
        }
    )
    run = push_queue(
        project=project,
        cors=[ChangeOrderRequest.objects.get(pk=cor_id)],
        options=options,
        user=User.objects.get(pk=target["user"]),
        enqueue=enqueue_run,
    )
    run = wait_finished(run.pk, timeout=300)
    return {
        "run": run.pk,
        "status": run.status,
        "latency_s": (run.ended_at - run.created_at).total_seconds(),
    }


def import_start(office_id: int) -> int:
    """A scheduled full import of the company's employees (the bulk queue), once it runs."""
    from apps.offices.models import Office
    from apps.procore_sync.engine_models import Trigger
    from apps.procore_sync.runs import run_queue
    from apps.procore_sync.tasks import enqueue_run

    run = run_queue(
        office=Office.objects.get(pk=office_id),
        flow="entities",
        trigger=Trigger.SCHEDULE,
        params={"entities": ["employees"], "full": True},
        enqueue=enqueue_run,
    )
    deadline = time.monotonic() + 120
    while status_of(run.pk) == "queued" and time.monotonic() < deadline:
        time.sleep(POLL)
    say(f"import run {run.pk}: {status_of(run.pk)}")
    return run.pk


def status_of(run_id: int) -> str:
    from apps.procore_sync.engine_models import SyncRun

    return SyncRun.objects.values_list("status", flat=True).get(pk=run_id)


def wait_finished(run_id: int, timeout: float):
    from apps.procore_sync.engine_models import SyncRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if run.is_finished:
            return run
        time.sleep(POLL)
    return SyncRun.objects.get(pk=run_id)


# --- the report ------------------------------------------------------------------------------


def report(figures: dict, args) -> None:
    run = figures["import"]
    seconds = (run.ended_at - run.started_at).total_seconds() if run.ended_at else None
    workers = "-Q interactive,bulk" if args.one_worker else "-Q interactive / -Q bulk"
    print(
        f"\nQueue latency: {args.employees:,} employees, {args.pushes} pushes per phase, "
        f"workers {workers}, concurrency {args.concurrency} each"
    )
    for phase in ("idle", "during"):
        pushes = figures[phase]
        statuses = ",".join(sorted({p["status"] for p in pushes}))
        latencies = [p["latency_s"] for p in pushes]
        print(
            f"  push {phase:>6}: median {statistics.median(latencies):.2f}s, "
            f"max {max(latencies):.2f}s, statuses {statuses}"
        )
    print(
        f"  import: {run.status} {json.dumps(run.counts)} in {seconds or 0:.1f}s; "
        f"still running when the last push ended: {figures['still_running']}"
    )


def summary(figures: dict, args) -> dict:
    run = figures["import"]
    return {
        "import_employees": args.employees,
        "workers": "one for both queues" if args.one_worker else "one per queue",
        "push_latency_idle_s": round(statistics.median(p["latency_s"] for p in figures["idle"]), 3),
        "push_latency_during_import_s": round(
            statistics.median(p["latency_s"] for p in figures["during"]), 3
        ),
        "push_latency_during_import_max_s": round(
            max(p["latency_s"] for p in figures["during"]), 3
        ),
        "pushes_succeeded": sum(
            p["status"] == "succeeded" for p in figures["idle"] + figures["during"]
        ),
        "import_still_running_at_push_end": figures["still_running"],
        "import_status": run.status,
        "import_s": round((run.ended_at - run.started_at).total_seconds(), 1)
        if run.ended_at
        else None,
    }


if __name__ == "__main__":
    main()
