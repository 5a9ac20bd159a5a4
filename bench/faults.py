"""Faults: every outbound flow at once through a real Celery worker that is killed -9 ten times,
against a sandbox that fails a large share of its answers; then "Retry failed" until nothing is.

In one run (issue 14), through the `celery -A config worker` (prefork, concurrency 2, queue
`celery`) and `celery -A config beat` this script starts with the stack's settings (Redis
database 13 as broker; the beat's `procore_sync.recover` sweeps every 30 s, runs keep a 60 s
lease): 300 CORs of 2-4 lines pushed in 50 runs of 6 (`push_queue`, each into a new Change
Event), 300 vendors exported and 150 of them updated once Procore has them (vendors set to
"out", saved as the record pages save them, then "Sync now": 6 entities runs; the updates come
last and wait for the exports, at most 10 minutes), 500 time cards approved in 20 batches of 25
(`entry_approve`; the approval signal queues the time export) and 50 payments recorded on
approved imported invoices (`payment_record`; its signal queues the write-back). Every run goes
to the worker through `apps.procore_sync.tasks.enqueue_run`. Meanwhile the sandbox injects 20%
5xx (500 / 502 / 503), 5% resets (`drop_before`), 5% lost answers (`drop_after`), 5% 429 bursts
(3 long), 5% truncated bodies and 5% HTML 200s, seeded, on the REST API only (`paths=["/rest/"]`:
the OAuth token endpoint is not faulted), and the worker's process group is killed with SIGKILL
10 times at seeded random moments while a run is in flight on it, and restarted 1-5 s later.

Once no run is queued or running, faults go off and "Retry failed" (`runs.run_retry_failed`, the
button's service) is used on the latest run of every retry chain that can be retried, until none
can, at most 5 rounds. Then the sandbox's own tables are counted against Trestle:

- duplicates: a Change Event no push made, a COR line tag twice, two live timecard entries for
  one card (origin_id or person and day), two vendors for one Trestle vendor (origin_id or
  name), two live contract payments for one payment;
- lost: a COR not in its push's Change Event with Trestle's amounts (each line's cost, and
  its markup as a line of its own), a vendor missing or with fields unlike Trestle's, an
  approved card without its live entry or with other hours, day or person, a payment missing
  or with another amount;
- stuck_running: runs still "queued" or "running" at the end;
- false_success: runs "Succeeded" with a planned unit not done (`work.undone`) or a failed item.

The scheduled passes of the office's flows are set a day apart (as if just run), so only the
bench's runs, crash recovery and Retry failed do the work; `--schedule` leaves the scheduler's
defaults. Worker and beat logs and a diagnostics file (every problem with its run and record)
are kept in a folder printed at the end. The last line is one JSON object:
`{"duplicates": N, "lost": N, "retry_rounds": N, "stuck_running": N, "false_success": N}`.

    .venv/bin/python bench/faults.py [--cors 300] [--vendors 300] [--cards 500] [--payments 50]
                                     [--kills 10] [--seed 14]
"""

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from benchkit import stack

CORS_PER_RUN = 6
CARDS_PER_APPROVAL = 25
CARD_DAYS = 20
VENDOR_SYNCS = 3  # creation batches; as many update batches
FIRST_DAY = date(2026, 10, 1)
FAULT_PATHS = ["/rest/"]  # the REST API; the OAuth token endpoint (/oauth/token) is not faulted
MALFORMED = ("truncated_body", "html_200")
COST_CODES = [("03-300", "Cast-in-place concrete"), ("05-100", "Structural steel"),
              ("09-200", "Drywall"), ("22-100", "Plumbing"), ("26-100", "Wiring")]  # fmt: skip
COST_TYPES = ["labor", "material", "equipment", "subcontract", "other"]
LETTERS = {"labor": "L", "material": "M", "equipment": "E", "subcontract": "S", "other": "O"}
WORKER = ["-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "2"]
WORKER += ["-Q", "interactive,bulk", "--loglevel", "INFO", "--without-mingle", "--without-gossip"]
UPDATE_WAIT = 600  # seconds the vendor updates wait, in all, for the vendors to be exported
IDLE_STABLE = 8  # seconds with no run queued or running before the work counts as drained
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {text}", flush=True)


# --- parent: the stack, the processes, the work, the kills, the retries, the counts -----------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cors", type=int, default=300, help="CORs pushed (6 per run)")
    parser.add_argument("--vendors", type=int, default=300, help="vendors exported")
    parser.add_argument("--updates", type=int, default=150, help="of them updated afterwards")
    parser.add_argument("--cards", type=int, default=500, help="time cards approved")
    parser.add_argument("--payments", type=int, default=50, help="AP payments recorded")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 of the worker")
    parser.add_argument("--seed", type=int, default=14, help="faults, kill moments, order")
    parser.add_argument("--rounds", type=int, default=5, help="most 'Retry failed' rounds")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to drain the work")
    parser.add_argument("--schedule", action="store_true", help="keep the scheduled passes")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="trestle-bench-faults-"))
    employees = math.ceil(args.cards / CARD_DAYS)
    seed = ["--employees", str(max(employees, 2)), "--projects", "2", "--vendors", "2"]
    seed += ["--sub-jobs", "1"]
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        say(f"stack up: {bench.notes[0]} ({bench.seed_seconds:.1f}s); logs in {logs}")
        _broker_clear()
        state = prepare(args)
        processes = Processes(bench, logs)
        try:
            result = run(args, state, processes)
        finally:
            processes.stop()
            _broker_clear()
        figures = count(state)
        (logs / "diagnostics.json").write_text(
            json.dumps(figures["details"], indent=1, default=str)
        )
        report(args, state, result, figures, logs)
    final = {
        "duplicates": figures["duplicates"],
        "lost": figures["lost"],
        "retry_rounds": result["retry_rounds"],
        "stuck_running": figures["stuck_running"],
        "false_success": figures["false_success"],
    }
    print(json.dumps(final))


def run(args, state: dict, processes: "Processes") -> dict:
    from apps.procore_sync.engine_models import SyncRun

    processes.start_beat()
    processes.start_worker()
    injected = faults_on(args.seed)
    say(f"faults on: {json.dumps(injected)}")
    first_run = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    driver = Driver(state, args)
    driver.start()
    kills = kill_loop(args, processes, driver, time.monotonic() + args.timeout)
    driver.join()
    if driver.error is not None:
        raise RuntimeError("queueing the work failed") from driver.error
    drained = wait_idle(time.monotonic() + args.timeout, "the faulted work")
    faulted = faults_off()
    say(f"faults off: {faulted['faulted']:,} of {faulted['drawn']:,} REST requests faulted")
    rounds, retried = retry_rounds(args.rounds, state, args.timeout)
    return {
        "first_run": first_run,
        "kills": kills,
        "drained_seconds": drained,
        "faults": faulted,
        "retry_rounds": rounds,
        "retried": retried,
        "restarts": processes.restarts,
        "queued": driver.queued,
        "updated_linked": driver.updated_linked,
    }


# --- Trestle and Procore before the run --------------------------------------------------------


def prepare(args) -> dict:
    from benchkit.office import connected_office, owner_create

    with_time = time.monotonic()
    office, connection = connected_office("Bench Faults")
    user = owner_create(office.account, "owner@bench-faults.test")
    state = {"office": office.pk, "user": user.pk, "company": connection.company_id}
    state["ap"] = invoices_prepare(office, user, args.payments)  # the only project mapped yet
    say(f"{args.payments} imported invoices approved (AP import run in-process, no faults)")
    state["cards"] = cards_prepare(office, user, args.cards)
    say(f"{args.cards} submitted time cards on {len(state['cards']['projects'])} mapped projects")
    state["cors"] = cors_prepare(office, user, args.cors)
    say(f"{args.cors} CORs of 2-4 lines made (cor_create) on a mapped project")
    settings_prepare(office, state, args.schedule)
    state["setup_seconds"] = time.monotonic() - with_time
    return state


def cors_prepare(office, user, count: int) -> dict:
    """A Procore project with budget codes (cost code x cost type) and a commitment, mapped to a
    Trestle project with `count` CORs of 2-4 lines, as tests/cor_push/conftest.py builds it."""
    from benchkit.office import demo_company

    from apps.cors.services import Line, cor_create
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import CostCode, Project

    company = demo_company()

    def add(resource: str, project_id: int | None = None, **data) -> int:
        return store.record_create(
            company=company, resource=resource, data=data, project_id=project_id
        ).id

    statuses = SandboxRecord.objects.filter(company=company, resource="change_event_statuses")
    if not statuses.exists():
        for name in ("Open", "Pending", "Closed"):
            add("change_event_statuses", name=name, mapped_to_status=name.lower(),
                show_in_select=True, default_status=name == "Open")  # fmt: skip
    remote = add("projects", name="Bench Faults Tower", project_number="BF-1", active=True)
    for code, title in COST_CODES:
        for letter in LETTERS.values():
            segments = [{"code": code, "name": title}, {"code": letter}]
            add("wbs_codes", remote, flat_code=f"{code}.{letter}", description=title,
                status="active", segment_items=segments)  # fmt: skip
    vendor = add("vendors", name="Bench Faults Subcontractor")
    add("prime_contracts", remote, number="PC-001", title="Prime", status="Approved")
    commitment = add("work_order_contracts", remote, number="SC-001", title="Main SC",
                     status="Approved", vendor_id=vendor)  # fmt: skip
    project = Project.objects.create(office=office, number="BF-1", name="Bench Faults Tower")
    project_map(project=project, procore_project={"id": remote, "name": project.name}, user=user)
    codes = [
        CostCode.objects.get_or_create(
            office=office, code=code, defaults={"name": title, "division_code": code[:2]}
        )[0]
        for code, title in COST_CODES
    ]
    rng, cors = random.Random(6), []
    for n in range(count):
        lines = []
        for i in range(rng.randint(2, 4)):
            cost_type = COST_TYPES[(n + i) % len(COST_TYPES)]
            lines.append(
                Line(description=f"Item {i + 1}: {cost_type}", cost_type=cost_type,
                     quantity=Decimal(1 + (n + i) % 7),
                     unit_cost=Decimal(f"{25 + (n * 7 + i * 13) % 400}.50"),
                     markup_percent=Decimal("10") if cost_type == "labor" else Decimal("0"),
                     unit="HR" if cost_type == "labor" else "EA",
                     cost_code=codes[(n + 2 * i) % len(codes)])
            )  # fmt: skip
        cors.append(cor_create(project=project, user=user, title=f"Change {n + 1}", lines=lines))
    return {
        "project": project.pk,
        "procore_project": remote,
        "commitment": commitment,
        "ids": [c.pk for c in cors],
    }


def cards_prepare(office, user, count: int) -> dict:
    """Seeded employees (company users mirrored as people) linked, 2 seeded projects mapped, the
    list's cost codes and Regular Time linked; one submitted card per employee and day."""
    from benchkit.office import demo_company, link

    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import CostCode, Project
    from apps.timecards.fingerprint import entry_fingerprint
    from apps.timecards.models import Employee, EntryStatus, TimeCardEntry, TimeType

    records = SandboxRecord.objects.filter(company=demo_company())
    remote_projects = list(records.filter(resource="projects").order_by("id"))[:2]  # seeded
    projects = []
    for remote in remote_projects:
        project = Project.objects.create(
            office=office,
            number=f"T-{remote.data['project_number']}",
            name=remote.data["name"],
            time_zone="America/Chicago",
        )
        project_map(project=project, procore_project={"id": remote.id, "name": project.name},
                    user=user)  # fmt: skip
        projects.append(project)
    users = list(records.filter(resource="users", data__is_employee=True).order_by("id"))
    users = users[: math.ceil(count / CARD_DAYS)]
    employees = Employee.objects.bulk_create(
        Employee(office=office, employee_id=u.data["employee_id"], first_name=u.data["first_name"],
                 last_name=u.data["last_name"], email=u.data["email_address"])
        for u in users
    )  # fmt: skip
    link(office, employees, "company_user", [u.id for u in users])
    full_codes = sorted(
        {r.data["full_code"] for r in records.filter(resource="cost_codes") if r.data.get("parent")}
    )
    codes = [
        CostCode.objects.get_or_create(
            office=office, code=c, defaults={"name": c, "division_code": c[:2]}
        )[0]
        for c in full_codes
    ]
    regular = records.get(resource="timecard_time_types", data__abbreviated_time_type="REG")
    time_type = TimeType.objects.create(office=office, name="Regular Time", abbreviation="REG")
    link(office, [time_type], "timecard_time_type", [regular.id])
    cards = []
    for n in range(count):
        employee, day = employees[n // CARD_DAYS], n % CARD_DAYS
        card = TimeCardEntry(
            project=projects[(n // CARD_DAYS) % len(projects)],
            employee=employee,
            date=FIRST_DAY + timedelta(days=day),
            hours=Decimal("6.00") + Decimal((n * 3) % 17) / 4,
            cost_code=codes[n % len(codes)],
            time_type=time_type,
            status=EntryStatus.SUBMITTED,
            description=f"Bench faults day {day + 1}",
        )
        card.fingerprint = entry_fingerprint(card)
        cards.append(card)
    TimeCardEntry.objects.bulk_create(cards, batch_size=1000)
    return {
        "projects": [p.pk for p in projects],
        "procore_projects": [r.id for r in remote_projects],
        "ids": [c.pk for c in cards],
    }


def invoices_prepare(office, user, count: int) -> dict:
    """Procore invoices (one PDF each) on a subcontract and a purchase order, imported by the AP
    import with auto-routing to the owner, every line approved: `count` invoices ready to pay."""
    from ap_import import procore_create
    from benchkit.office import link

    from apps.ap_invoices.models import ApInvoice, ApQueue, InvoiceStatus, RoutingRule, Vendor
    from apps.ap_invoices.services import review_line
    from apps.procore_sync import engine
    from apps.procore_sync.engine_models import SyncSettings, Trigger
    from apps.procore_sync.project_mapping import project_map
    from apps.procore_sync.runs import run_queue
    from apps.projects.models import Project

    procore = procore_create(count, 1)
    project = Project.objects.create(office=office, number="AP-1", name="Bench Plaza")
    remote = {"id": procore["procore_project"], "name": project.name}
    project_map(project=project, procore_project=remote, user=user)
    vendor = Vendor.objects.create(office=office, name="Bench Drywall")
    link(office, [vendor], "vendor", [procore["procore_vendor"]])
    queue = ApQueue.objects.create(office=office, name="Procore")
    RoutingRule.objects.create(office=office, reviewer=user)
    SyncSettings.objects.filter(office=office).update(
        options={"ap_import": "auto_route", "ap_queue_id": queue.pk}
    )
    run = run_queue(office=office, flow="ap_import", trigger=Trigger.USER, user=user,
                    enqueue=lambda run_id: None)  # fmt: skip
    run = engine.run_execute(run.pk)
    invoices = list(ApInvoice.objects.filter(office=office).order_by("pk"))
    queued = {i.invoice_number: i.queue_reason for i in invoices if i.status != "in_review"}
    if queued:
        raise RuntimeError(f"AP set-up: not routed: {list(queued.items())[:3]}")
    for invoice in invoices:
        for line in invoice.lines.all():
            review_line(line=line, user=user, approve=True)
    approved = ApInvoice.objects.filter(office=office, status=InvoiceStatus.APPROVED)
    if run.status != "succeeded" or approved.count() != count:
        raise RuntimeError(f"AP set-up: run {run.status} {run.counts}, {approved.count()} approved")
    return {"invoices": [i.pk for i in invoices], "queue": queue.pk, "import_run": run.pk}


def settings_prepare(office, state: dict, schedule: bool) -> None:
    """Vendors go out, the other entities are off; time goes to timesheets when approved,
    payments are written back, imported invoices are routed. Unless `schedule`, each switch's
    scheduled pass is set a day apart, as if it had just run."""
    from django.utils import timezone

    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.entities import ENTITIES

    settings = SyncSettings.objects.get(office=office)
    settings.directions = {name: "off" for name in ENTITIES} | {"vendors": "out"}
    settings.flows = {"time": True, "payments": True, "ap_invoices": True}
    settings.options = {**settings.options, "time_export": "timesheets", "time_trigger": "approved"}
    if not schedule:
        switches = [*settings.flows, "change_event_statuses"]
        settings.flows = {**settings.flows, "change_event_statuses": True}
        settings.last_scheduled = dict.fromkeys(switches, timezone.now().isoformat())
        settings.intervals = dict.fromkeys(switches, 24 * 60)
    settings.save()
    state["schedule"] = "defaults" if schedule else "a day apart"


# --- the worker and the beat -------------------------------------------------------------------


class Processes:
    """`celery worker` in its own process group (so killpg takes its children too) and
    `celery beat`, with the stack's environment; output to files in `logs`."""

    def __init__(self, bench, logs: Path) -> None:
        self.environ = {**bench.environ, "PYTHONUNBUFFERED": "1"}
        self.run_dir, self.logs = bench.run_dir, logs
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.started_at = 0.0  # wall clock of the worker's last start
        self.restarts = 0

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=stack.ROOT,
            env=self.environ,
            stdout=open(self.logs / log, "a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_worker(self) -> None:
        self.worker = self._spawn([*WORKER, "--hostname", "bench@%h"], "worker.log")
        self.started_at = time.time()

    def start_beat(self) -> None:
        args = ["-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"]
        args += ["-s", str(self.run_dir / "celerybeat-schedule")]
        args += ["--pidfile", str(self.run_dir / "celerybeat.pid")]
        self.beat = self._spawn(args, "beat.log")

    def kill_worker(self) -> None:
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=30)

    def restart_worker(self) -> None:
        self.start_worker()
        self.restarts += 1

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is not None:
                stack.stop_group(process, timeout=30)


def _broker_clear() -> None:
    """Messages an earlier run left in the bench's Redis database must not reach this one (run
    ids start again in a fresh database), nor this run's reach a later one."""
    import redis

    client = redis.Redis.from_url(stack.REDIS_URL)
    for pattern in ("interactive", "bulk", "unacked*", "_kombu.*", "celery-task-meta-*"):
        for key in client.scan_iter(pattern):
            client.delete(key)


# --- faults ------------------------------------------------------------------------------------


def fault_config(seed: int) -> dict:
    from apps.procore_sandbox import faults

    config = {"seed": seed, "error_500": 0.07, "error_502": 0.07, "error_503": 0.06}
    config |= {"drop_before": 0.05, "drop_after": 0.05, "rate_429": 0.05, "burst_429": 3}
    config |= {kind: 0.05 for kind in MALFORMED if kind in faults.DEFAULTS}
    return config | {"paths": FAULT_PATHS}


def faults_set(**config) -> None:
    """set_faults replaces the whole config: the stack's lifted rate limits stay in it."""
    from apps.procore_sandbox import faults

    faults.set_faults(**config, rate_limit_hourly=stack.NO_LIMIT, rate_limit_spike=stack.NO_LIMIT)


def faults_on(seed: int) -> dict:
    config = fault_config(seed)
    faults_set(**config)
    missing = [kind for kind in MALFORMED if kind not in config]
    return {**config, "missing": missing}


def faults_off() -> dict:
    from apps.procore_sandbox import faults
    from apps.procore_sandbox.models import SandboxConfig

    row = SandboxConfig.objects.get(id=1)
    config = faults.current()
    faults_set()
    return {
        "config": {k: v for k, v in row.faults.items() if not k.startswith("rate_limit")},
        "drawn": row.request_count,
        "faulted": row.faulted_count,
        "kinds": fault_kinds(config, row.request_count),
    }


def fault_kinds(config: dict, drawn: int) -> dict:
    """The faults of requests 1..drawn, replayed from the seed as faults.draw draws them, named
    by the one the sandbox acts on (a reset before an error before a 429 before a lost answer
    before a malformed body). A malformed body is spent on an answer that is not 2xx JSON."""
    from apps.procore_sandbox import faults

    kinds, burst_left = Counter(), 0
    for n in range(1, drawn + 1):
        rng = random.Random(f"{config['seed']}:{n}")
        if burst_left > 0:
            burst, burst_left = True, burst_left - 1
        elif rng.random() < config["rate_429"]:
            burst, burst_left = True, config["burst_429"] - 1
        else:
            burst = False
        error = faults._error_status(rng, config)
        drop_before = rng.random() < config["drop_before"]
        drop_after = rng.random() < config["drop_after"]
        malformed = faults._malformed_kind(rng, config)
        for kind, hit in (("reset (drop_before)", drop_before), (f"{error}", error),
                          ("429", burst), ("lost answer (drop_after)", drop_after),
                          (str(malformed), malformed)):  # fmt: skip
            if hit:
                kinds[kind] += 1
                break
    return dict(kinds)


# --- the work, queued as users and signals queue it ---------------------------------------------


class Driver(threading.Thread):
    """Queues the work in a seeded order, a second or so apart, as people would: COR pushes,
    approvals, payments, vendor saves with "Sync now"; then the vendor updates."""

    def __init__(self, state: dict, args) -> None:
        super().__init__(name="bench-driver", daemon=True)
        self.state, self.args = state, args
        self.rng = random.Random(f"{args.seed}:order")
        self.error: BaseException | None = None
        self.queued: Counter = Counter()
        self.updated_linked = 0  # vendor updates of vendors already in Procore when updated
        self.update_deadline: float | None = None

    def run(self) -> None:
        from django.db import connection

        try:
            actions = self.actions()
            for n, (kind, action) in enumerate(actions, start=1):
                action()
                self.queued[kind] += 1
                if n % 25 == 0 or n == len(actions):
                    say(f"queued {n}/{len(actions)} actions: {dict(self.queued)}")
                time.sleep(self.rng.uniform(0.2, 1.4))
        except BaseException as exc:  # reported by the main thread
            self.error = exc
        finally:
            connection.close()

    def actions(self) -> list:
        cors, cards = self.state["cors"]["ids"], self.state["cards"]["ids"]
        first = [("cor push", lambda c=cors[i : i + CORS_PER_RUN], i=i: self.push(c, i))
                 for i in range(0, len(cors), CORS_PER_RUN)]  # fmt: skip
        first += [("approval", lambda c=cards[i : i + CARDS_PER_APPROVAL]: self.approve(c))
                  for i in range(0, len(cards), CARDS_PER_APPROVAL)]  # fmt: skip
        first += [("payment", lambda k=k: self.pay(k)) for k in range(self.args.payments)]
        per_sync = math.ceil(self.args.vendors / VENDOR_SYNCS)
        first += [("vendor sync", lambda s=s: self.vendors_create(s, per_sync))
                  for s in range(0, self.args.vendors, per_sync)]  # fmt: skip
        self.rng.shuffle(first)
        per_update = math.ceil(self.args.updates / VENDOR_SYNCS)
        sizes = [min(per_update, self.args.updates - s)
                 for s in range(0, self.args.updates, per_update)]  # fmt: skip
        first += [("vendor update sync", lambda n=n: self.vendors_update(n)) for n in sizes]
        return first  # the updates last: they wait for the vendors to be in Procore

    def _context(self):
        from apps.accounts.models import User
        from apps.offices.models import Office

        return Office.objects.get(pk=self.state["office"]), User.objects.get(pk=self.state["user"])

    def push(self, cor_ids: list[int], first: int) -> None:
        from apps.cors.models import ChangeOrderRequest
        from apps.procore_sync.cor_push.options import PushOptions
        from apps.procore_sync.cor_push.services import push_queue
        from apps.procore_sync.tasks import enqueue_run
        from apps.projects.models import Project

        _, user = self._context()
        project = Project.objects.select_related("office__account").get(
            pk=self.state["cors"]["project"]
        )
        cors = list(ChangeOrderRequest.objects.filter(pk__in=cor_ids).order_by("number"))
        contract = {"type": "commitment", "id": self.state["cors"]["commitment"]}
        title = f"Faults push {first // CORS_PER_RUN + 1}"
        options = PushOptions.from_params({"title": title, "contract": contract})
        push_queue(project=project, cors=cors, options=options, user=user, enqueue=enqueue_run)

    def approve(self, card_ids: list[int]) -> None:
        from apps.timecards.services import entry_approve

        office, user = self._context()
        entry_approve(account=office.account, entry_ids=card_ids, user=user)

    def pay(self, k: int) -> None:
        from apps.ap_invoices import payments
        from apps.ap_invoices.models import ApInvoice

        _, user = self._context()
        invoice = ApInvoice.objects.get(pk=self.state["ap"]["invoices"][k])
        amount = min(invoice.total, Decimal(100 + 7 * k) + Decimal("0.25"))
        payments.payment_record(invoice=invoice, date=FIRST_DAY + timedelta(days=k % 28),
                                amount=amount, method="check", reference=f"{5000 + k}",
                                user=user)  # fmt: skip

    def sync_now(self) -> None:
        """What Sync Activity's "Sync now" button queues."""
        from apps.procore_sync.engine_models import Trigger
        from apps.procore_sync.runs import run_queue
        from apps.procore_sync.tasks import enqueue_run

        office, user = self._context()
        run_queue(office=office, flow="entities", trigger=Trigger.USER, user=user,
                  params={"full": False}, enqueue=enqueue_run)  # fmt: skip

    def vendors_create(self, start: int, count: int) -> None:
        from apps.ap_invoices.models import Vendor

        office, _ = self._context()
        made = []
        for n in range(start, min(start + count, self.args.vendors)):
            vendor = Vendor(office=office, name=f"Bench Faults Vendor {n + 1:04d}",
                            abbreviated_name=f"BFV{n + 1:04d}", address=f"{100 + n} Main St",
                            city="Austin", state="TX", zip_code=f"787{n % 100:02d}",
                            phone=f"512-555-{n:04d}", email=f"ap{n + 1}@v{n + 1}.test")  # fmt: skip
            vendor.save()  # as the vendor page saves it
            made.append(vendor.pk)
        self.state.setdefault("vendors", []).extend(made)
        self.sync_now()

    def vendors_update(self, count: int) -> None:
        """`count` vendors Procore already has (waiting for the exports, at most UPDATE_WAIT
        in all) get a new address, city and phone, then "Sync now"."""
        from django.contrib.contenttypes.models import ContentType

        from apps.ap_invoices.models import Vendor
        from apps.procore_sync.engine_models import ExternalRef

        if self.update_deadline is None:
            self.update_deadline = time.monotonic() + UPDATE_WAIT
        done = set(self.state.setdefault("updated", []))
        links = ExternalRef.objects.filter(
            procore_type="vendor", content_type=ContentType.objects.get_for_model(Vendor),
            object_id__in=self.state["vendors"],
        ).exclude(procore_id=None)  # fmt: skip
        while True:
            linked = sorted(set(links.values_list("object_id", flat=True)) - done)
            if len(linked) >= count or time.monotonic() >= self.update_deadline:
                break
            time.sleep(2)
        chosen = self.rng.sample(linked, min(count, len(linked)))
        self.updated_linked += len(chosen)
        others = sorted(set(self.state["vendors"]) - done - set(chosen))
        chosen += self.rng.sample(others, count - len(chosen))  # only when the wait ran out
        for vendor in Vendor.objects.filter(pk__in=chosen):
            vendor.address = f"{vendor.address} Suite 2"
            vendor.city, vendor.phone = "Round Rock", vendor.phone.replace("512", "737")
            vendor.save()  # as the vendor page saves it
        self.state["updated"].extend(chosen)
        self.sync_now()


# --- kills, waiting, retries --------------------------------------------------------------------


def in_flight(since: float) -> list[tuple[int, str]]:
    """Runs being worked on by the worker started at `since`: running, lease alive."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from apps.procore_sync.engine_models import RunStatus, SyncRun

    started = datetime.fromtimestamp(since, tz=UTC)
    return list(
        SyncRun.objects.filter(
            status=RunStatus.RUNNING, lease_expires_at__gt=timezone.now(), started_at__gte=started
        ).values_list("pk", "flow")
    )


def busy() -> bool:
    from apps.procore_sync.engine_models import RunStatus, SyncRun

    return SyncRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()


def kill_loop(args, processes: Processes, driver: Driver, deadline: float) -> list[dict]:
    """kill -9 the worker's process group at seeded random moments, each while a run is in
    flight on it, then restart it 1-5 s later."""
    rng, kills = random.Random(f"{args.seed}:kills"), []
    while len(kills) < args.kills and time.monotonic() < deadline:
        time.sleep(rng.uniform(4, 30))
        runs = []
        while time.monotonic() < deadline:
            runs = in_flight(processes.started_at)
            if runs or (not driver.is_alive() and not busy()):
                break
            time.sleep(0.2)
        if not runs:
            say("no work in flight any more: no more kills")
            break
        processes.kill_worker()
        kills.append({"at": time.monotonic() - STARTED, "runs": runs})
        say(f"kill -9 #{len(kills)} of the worker, runs in flight {runs}")
        time.sleep(rng.uniform(1, 5))
        processes.restart_worker()
    return kills


def wait_idle(deadline: float, what: str) -> float:
    """Seconds until no run is queued or running (IDLE_STABLE s in a row)."""
    from apps.procore_sync.engine_models import RunStatus, SyncRun

    started, quiet_since, last_note = time.monotonic(), None, 0.0
    while time.monotonic() < deadline:
        if busy():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= IDLE_STABLE:
            say(f"{what}: drained in {time.monotonic() - started:.0f}s")
            return time.monotonic() - started
        if time.monotonic() - last_note >= 30:
            left = Counter(
                SyncRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
                .values_list("flow", "status")
            )  # fmt: skip
            say(f"waiting for {what}: {dict(left) or 'nothing left'}")
            last_note = time.monotonic()
        time.sleep(1)
    say(f"{what}: NOT drained after {time.monotonic() - started:.0f}s")
    return time.monotonic() - started


def chains_latest() -> list:
    """The latest run of each retry chain (runs that continue one carry its `origin_run`)."""
    from apps.procore_sync.engine_models import SyncRun

    latest = {}
    for run in SyncRun.objects.order_by("pk"):
        latest[(run.params or {}).get("origin_run", run.pk)] = run
    return list(latest.values())


def retry_rounds(most: int, state: dict, timeout: int) -> tuple[int, list[dict]]:
    """The user's "Retry failed" on every chain's latest run that can be retried, round after
    round, until none can (at most `most` rounds)."""
    from apps.accounts.models import User
    from apps.procore_sync.runs import run_retry_failed
    from apps.procore_sync.tasks import enqueue_run
    from apps.procore_sync.work import NothingLeft

    user = User.objects.get(pk=state["user"])
    rounds, history = 0, []
    while rounds < most:
        retryable = [run for run in chains_latest() if run.can_retry]
        if not retryable:
            break
        queued, nothing = [], []
        for run in retryable:
            try:
                queued.append(
                    (run.pk, run_retry_failed(run=run, user=user, enqueue=enqueue_run).pk)
                )
            except NothingLeft:
                nothing.append(run.pk)
        flows = Counter(run.flow for run in retryable if run.pk not in nothing)
        history.append({"retryable": len(retryable), "queued": queued, "nothing_left": nothing,
                        "flows": dict(flows)})  # fmt: skip
        say(f"Retry failed round {rounds + 1}: {len(queued)} retries queued, "
            f"{len(nothing)} said nothing is left")  # fmt: skip
        if not queued:
            break
        rounds += 1
        wait_idle(time.monotonic() + timeout, f"retry round {rounds}")
    return rounds, history


# --- the counts --------------------------------------------------------------------------------


def count(state: dict) -> dict:
    details = {
        "cors": check_cors(state),
        "vendors": check_vendors(state),
        "cards": check_cards(state),
        "payments": check_payments(state),
        "runs": check_runs(),
    }
    flows = ("cors", "vendors", "cards", "payments")
    return {
        "duplicates": sum(len(details[f]["duplicates"]) for f in flows),
        "lost": sum(len(details[f]["lost"]) for f in flows),
        "stuck_running": len(details["runs"]["stuck"]),
        "false_success": len(details["runs"]["false_success"]),
        "details": details,
    }


def live(resource: str, **where):
    from apps.procore_sandbox.models import SandboxRecord

    return SandboxRecord.objects.filter(resource=resource, deleted_at=None, **where).order_by("id")


def check_cors(state: dict) -> dict:
    """Each COR's lines in the Change Event of the push that queued it, tagged once, with
    Trestle's amounts; no Change Event without a push of its own."""
    from apps.cors.models import CorLineItem
    from apps.procore_sync.cor_push.lines import key_of
    from apps.procore_sync.engine_models import SyncRun
    from apps.procore_sync.push_models import CorPush

    pushes = SyncRun.objects.filter(flow="cor_push", trigger="user").order_by("pk")
    origin_of = {}  # COR id -> the origin_id of the push that queued it
    for push in pushes:
        if "origin_run" in push.params:
            continue  # a Retry failed of an earlier push: that push's origin
        for cor_id in push.params["cor_ids"]:
            origin_of[cor_id] = f"trestle-cor-push-{push.pk}"
    events = list(live("change_events", project_id=state["cors"]["procore_project"]))
    duplicates, lost = [], []
    wanted_origins = set(origin_of.values())
    for event in events:
        if event.data.get("origin_id") not in wanted_origins:
            duplicates.append({"change_event": event.id, "origin_id": event.data.get("origin_id")})
    per_origin = Counter(e.data.get("origin_id") for e in events)
    for origin, n in per_origin.items():
        if n > 1:
            duplicates.append({"origin_id": origin, "change_events": n})
    where: dict[str, list] = defaultdict(list)  # tag -> [(origin, amount)]
    for event in events:
        for item in event.data.get("change_event_line_items") or []:
            key = key_of(str(item.get("description") or ""))
            if key:
                where[key].append((event.data.get("origin_id"), item.get("estimated_cost_amount")))
    for key, places in where.items():
        if len(places) > 1:
            duplicates.append({"line": key, "places": places})
    lines = CorLineItem.objects.filter(cor_id__in=state["cors"]["ids"]).order_by("cor_id", "pk")
    by_cor: dict[int, list] = defaultdict(list)  # a line's cost, its markup a line of its own
    for line in lines:
        by_cor[line.cor_id].append((f"line:{line.pk}", line.cost))
        if line.markup:
            by_cor[line.cor_id].append((f"markup:{line.pk}", line.markup))
    for cor_id in state["cors"]["ids"]:
        problems = []
        for key, amount in by_cor[cor_id]:
            places = where.get(key, [])
            if not places:
                problems.append(f"{key} missing")
            elif all(o != origin_of.get(cor_id) for o, _ in places):
                problems.append(f"{key} in {places[0][0]}, not {origin_of.get(cor_id)}")
            elif all(Decimal(str(a)) != amount for _, a in places):
                problems.append(f"{key}: {places[0][1]} for {amount}")
        if problems:
            lost.append({"cor": cor_id, "push": origin_of.get(cor_id), "problems": problems})
    recorded = set(CorPush.objects.filter(cor_id__in=state["cors"]["ids"])
                   .values_list("cor_id", flat=True))  # fmt: skip
    return {
        "change_events": len(events),
        "line_items": sum(len(p) for p in where.values()),
        "duplicates": duplicates,
        "lost": lost,
        "no_corpush_row": [c for c in state["cors"]["ids"] if c not in recorded],
    }


def check_vendors(state: dict) -> dict:
    """Each Trestle vendor once in Procore (by origin_id or name), with Trestle's fields."""
    from apps.ap_invoices.models import Vendor
    from apps.procore_sync.entities import ENTITIES
    from apps.procore_sync.mapping.vendors import vendor_to_procore

    records = list(live("vendors"))
    by_origin, by_name = defaultdict(set), defaultdict(set)
    for record in records:
        by_origin[record.origin_id].add(record.id)
        by_name[record.data.get("name")].add(record.id)
    data = {r.id: r.data for r in records}
    duplicates, lost = [], []
    for vendor in Vendor.objects.filter(pk__in=state.get("vendors", [])).order_by("pk"):
        twins = by_origin[ENTITIES["vendors"].origin_id(vendor.pk)] | by_name[vendor.name]
        if len(twins) > 1:
            duplicates.append({"vendor": vendor.pk, "procore": sorted(twins)})
        if not twins:
            lost.append({"vendor": vendor.pk, "problem": "missing"})
            continue
        body = vendor_to_procore(vendor)
        if all(any(data[t].get(k) != v for k, v in body.items()) for t in twins):
            record = data[min(twins)]
            unlike = {k: [v, record.get(k)] for k, v in body.items() if record.get(k) != v}
            lost.append({"vendor": vendor.pk, "procore": min(twins), "unlike": unlike})
    return {
        "vendors": len(state.get("vendors", [])),
        "updated": len(state.get("updated", [])),
        "duplicates": duplicates,
        "lost": lost,
    }


def check_cards(state: dict) -> dict:
    """Each approved card as one live timecard entry (its origin_id, or its person and day)
    with its hours, day and person."""
    from apps.procore_sync.engine_models import ExternalRef
    from apps.procore_sync.time_export.timesheets import ORIGIN
    from apps.timecards.models import EntryStatus, TimeCardEntry

    entries = list(live("timecard_entries", project_id__in=state["cards"]["procore_projects"]))
    parties = dict(live("people").values_list("data__user_id", "id"))
    users = dict(ExternalRef.objects.filter(procore_type="company_user")
                 .values_list("object_id", "procore_id"))  # fmt: skip
    by_card, by_day = defaultdict(set), defaultdict(set)
    for entry in entries:
        origin = entry.origin_id or ""
        if origin.startswith(ORIGIN):
            by_card[int(origin.removeprefix(ORIGIN).split("-")[0])].add(entry.id)
        by_day[entry.data.get("party_id"), entry.data.get("date")].add(entry.id)
    data = {e.id: e.data for e in entries}
    duplicates, lost = [], []
    cards = TimeCardEntry.objects.filter(pk__in=state["cards"]["ids"]).order_by("pk")
    approved = 0
    for card in cards:
        if card.status != EntryStatus.APPROVED or card.deleted_at is not None:
            lost.append({"card": card.pk, "problem": f"not approved in Trestle ({card.status})"})
            continue
        approved += 1
        party = parties.get(users.get(card.employee_id))
        twins = by_card[card.pk] | by_day[party, card.date.isoformat()]
        if len(twins) > 1:
            duplicates.append({"card": card.pk, "procore": sorted(twins)})
        if not twins:
            lost.append({"card": card.pk, "problem": "missing"})
            continue
        wanted = (party, card.date.isoformat(), card.hours)
        found = [(data[t].get("party_id"), data[t].get("date"), Decimal(str(data[t].get("hours"))))
                 for t in sorted(twins)]  # fmt: skip
        if wanted not in found:
            lost.append({"card": card.pk, "wanted": wanted, "found": found})
    return {"approved": approved, "entries": len(entries), "duplicates": duplicates, "lost": lost}


def check_payments(state: dict) -> dict:
    """Each payment as one live contract payment on its invoice's requisition, same amount."""
    from apps.ap_invoices.models import ApPayment
    from apps.procore_sync.ap_payments.payload import ORIGIN

    records = list(live("contract_payments"))
    by_payment, by_requisition = defaultdict(set), defaultdict(set)
    for record in records:
        origin = record.origin_id or ""
        if origin.startswith(ORIGIN):
            by_payment[int(origin.removeprefix(ORIGIN).split("-")[0])].add(record.id)
        by_requisition[record.data.get("requisition_id")].add(record.id)
    data = {r.id: r.data for r in records}
    duplicates, lost = [], []
    paid = ApPayment.objects.filter(invoice_id__in=state["ap"]["invoices"]).select_related(
        "invoice"
    )
    paid = list(paid.order_by("pk"))
    for payment in paid:  # one payment per invoice here, so one per requisition
        twins = by_payment[payment.pk] | by_requisition[payment.invoice.procore_requisition_id]
        if len(twins) > 1:
            duplicates.append({"payment": payment.pk, "procore": sorted(twins)})
        if not twins:
            lost.append({"payment": payment.pk, "problem": "missing"})
        elif all(Decimal(str(data[t].get("amount"))) != payment.amount for t in twins):
            lost.append({"payment": payment.pk, "amount": str(payment.amount),
                         "found": [data[t].get("amount") for t in sorted(twins)]})  # fmt: skip
    return {"payments": len(paid), "records": len(records), "duplicates": duplicates,
            "lost": lost}  # fmt: skip


def check_runs() -> dict:
    from apps.procore_sync import work
    from apps.procore_sync.engine_models import Outcome, RunStatus, SyncRun, SyncSettings

    runs = list(SyncRun.objects.order_by("pk"))
    stuck = [
        {"run": r.pk, "flow": r.flow, "status": r.status}
        for r in runs
        if r.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    ]
    false_success = []
    for run in runs:
        if run.status != RunStatus.SUCCEEDED:
            continue
        left = work.undone(run) or []
        failed = run.items.filter(outcome=Outcome.FAILED).count()
        if left or failed:
            false_success.append({"run": run.pk, "flow": run.flow, "undone": left[:20],
                                  "failed_items": failed})  # fmt: skip
    table = Counter((r.flow, r.trigger, r.status) for r in runs)
    reruns = list(SyncSettings.objects.exclude(rerun_requested=[]).values_list(
        "office_id", "rerun_requested"))  # fmt: skip
    return {
        "runs": len(runs),
        "table": [[*k, n] for k, n in sorted(table.items())],
        "stuck": stuck,
        "false_success": false_success,
        "failed_at_end": [
            {"run": r.pk, "flow": r.flow, "status": r.status, "counts": r.counts}
            for r in chains_latest()
            if r.can_retry
        ],
        "reruns_requested": reruns,
    }


# --- the report --------------------------------------------------------------------------------


def report(args, state: dict, result: dict, figures: dict, logs: Path) -> None:
    d = figures["details"]
    runs = d["runs"]
    print("\nfaults: one run through a real Celery worker (prefork, concurrency 2) and beat "
          "(recover every 30 s, 60 s lease); scheduled passes of the office's flows: "
          f"{state['schedule']}")  # fmt: skip
    print(f"  work: {args.cors} CORs in {math.ceil(args.cors / CORS_PER_RUN)} pushes, "
          f"{args.vendors} vendors + {args.updates} updates in {2 * VENDOR_SYNCS} syncs, "
          f"{args.cards} cards in {math.ceil(args.cards / CARDS_PER_APPROVAL)} approvals, "
          f"{args.payments} payments; queued: {dict(result['queued'])}; set-up "
          f"{state['setup_seconds']:.0f}s")  # fmt: skip
    f = result["faults"]
    print(f"  faults: {json.dumps(f['config'], sort_keys=True)}")
    print(f"    {f['faulted']:,} of {f['drawn']:,} REST requests faulted; by the fault acted on "
          f"(replayed from the seed): {json.dumps(f['kinds'], sort_keys=True)}")  # fmt: skip
    print(f"  kills: {len(result['kills'])} kill -9 of the worker's process group "
          f"({result['restarts']} restarts); in flight at each: "
          + "; ".join(",".join(f"{flow} {pk}" for pk, flow in k["runs"])
                      for k in result["kills"]))  # fmt: skip
    print(f"  drained {result['drained_seconds']:.0f}s after the queueing and the kills ended; "
          "Retry failed rounds: "
          f"{result['retry_rounds']} "
          + json.dumps([{"queued": h["flows"], "nothing_left": h["nothing_left"]}
                        for h in result["retried"]]))  # fmt: skip
    print(f"  runs: {runs['runs']} (flow, trigger, status: count)")
    for flow, trigger, status, n in runs["table"]:
        print(f"    {flow:22}{trigger:10}{status:11}{n:>5}")
    c, v, t, p = d["cors"], d["vendors"], d["cards"], d["payments"]
    print("\n  | flow | in Procore | duplicates | lost |")
    print("  |---|---|---|---|")
    print(f"  | COR push | {c['change_events']} Change Events, {c['line_items']:,} tagged lines "
          f"| {len(c['duplicates'])} | {len(c['lost'])} |")  # fmt: skip
    print(f"  | vendors | {v['vendors']} vendors ({v['updated']} updated, "
          f"{result['updated_linked']} of them already in Procore) | "
          f"{len(v['duplicates'])} | {len(v['lost'])} |")  # fmt: skip
    print(f"  | time cards | {t['entries']} live entries for {t['approved']} approved | "
          f"{len(t['duplicates'])} | {len(t['lost'])} |")  # fmt: skip
    print(f"  | payments | {p['records']} live contract payments for {p['payments']} | "
          f"{len(p['duplicates'])} | {len(p['lost'])} |")  # fmt: skip
    print(f"\n  stuck (queued/running at the end): {len(runs['stuck'])}; 'Succeeded' with work "
          f"undone: {len(runs['false_success'])}; chains still failed after the retries: "
          f"{len(runs['failed_at_end'])}; reruns requested and never queued: "
          f"{runs['reruns_requested'] or 0}; CORs without a CorPush row: "
          f"{len(c['no_corpush_row'])}")  # fmt: skip
    for name in ("cors", "vendors", "cards", "payments"):
        for kind in ("duplicates", "lost"):
            for problem in d[name][kind][:5]:
                print(f"    {name} {kind}: {json.dumps(problem, default=str)[:300]}")
    for problem in runs["false_success"][:5] + runs["stuck"][:5] + runs["failed_at_end"][:5]:
        print(f"    run: {json.dumps(problem, default=str)[:300]}")
    print(f"  logs and diagnostics: {logs}")
    print(f"\ntotal wall time {time.monotonic() - STARTED:.0f}s")


if __name__ == "__main__":
    main()
