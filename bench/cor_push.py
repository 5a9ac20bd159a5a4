"""COR push: 1,000 CORs into a Procore Change Event, and the COR log with 10,000 CORs.

The sandbox is seeded small (`procore_sandbox_seed --employees 10 --projects 1`; its company has
the Open / Pending / Closed Change Event statuses), then given, as tests/cor_push/conftest.py
does, Procore projects with WBS budget codes (10 cost codes x the 5 cost types, flat code
"<cost code>.<L|M|E|S|O>") and a commitment, each mapped to a Trestle project. Served by
gunicorn on a loopback port. Each phase runs in a fresh child process so its peak memory is
its own:

1. push: 1,000 CORs of 5 lines (cost codes and types mixed, so every line's budget code is
   proposed) into a new Change Event, one run (`push_queue` + `engine.run_execute`);
2. re-push: one line of every COR gets a new unit cost (`cor_update`, line ids kept), then the
   same CORs go into the same Change Event;
3. faults: a fresh project, sandbox faults (503 10%, dropped before 5%, dropped after 10%) on
   the Change Event endpoints, one push, then "Retry failed" until no COR fails;
4. log: GET /cors/ with django.test.Client for an account of 10,000 CORs (20 projects, about
   half pushed) and one of 10 CORs: SQL queries per page and the median server time.

After each push the sandbox's own records are read back: the Change Events of the project,
every COR line tagged once, amounts as in Trestle. Printed per push: Procore requests (by
method and path) and the minimum (5 catalog lists + ceil(CORs / push.BATCH_CORS) writes + one
lookup), CORs/s, SQL statements, peak RSS. Figures are printed as measured; nothing is asserted.

    .venv/bin/python bench/cor_push.py [--cors 1000] [--lines 5] [--log-cors 10000]
"""

import argparse
import json
import math
import statistics
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from benchkit import meters, stack

PHASES = ["push", "repush", "faults", "log"]
PHASE_TIMEOUT = 600
COST_CODES = [
    ("03-300", "Cast-in-place concrete"),
    ("04-200", "Masonry"),
    ("05-100", "Structural steel"),
    ("06-100", "Rough carpentry"),
    ("08-100", "Doors and frames"),
    ("09-200", "Drywall"),
    ("09-900", "Painting"),
    ("22-100", "Plumbing"),
    ("23-100", "HVAC"),
    ("26-100", "Wiring"),
]
COST_TYPES = ["labor", "material", "equipment", "subcontract", "other"]
LETTERS = {"labor": "L", "material": "M", "equipment": "E", "subcontract": "S", "other": "O"}
FAULTS = {"error_503": 0.1, "drop_before": 0.05, "drop_after": 0.1}
FAULT_PATHS = ["/rest/v1.0/change_events"]  # the push's lookups, reads and writes
WORDS = ["Extra outlets", "Move wall", "Slab repair", "Door swap", "Roof drain", "Paint touch-up",
         "HVAC reroute", "Steel shim", "Tile upgrade", "Fire caulk"]  # fmt: skip
LOG_VIEWS = [
    ("first page", {}),
    ("page 100", {"page": "100"}),
    ("search q=outlets", {"q": "outlets"}),
    ("status=approved", {"status": "approved"}),
    ("push_state=out_of_date", {"push_state": "out_of_date"}),
    ("change_event_status=Open", {"change_event_status": "Open"}),
    ("sort=-total", {"sort": "-total"}),
    ("project filter", {"project": "{project}"}),
]


# --- parent: the stack, the data, the phases, the checks, the report -----------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cors", type=int, default=1000, help="CORs per push (at most 1,000)")
    parser.add_argument("--lines", type=int, default=5, help="line items per COR")
    parser.add_argument("--log-cors", type=int, default=10_000)
    parser.add_argument("--log-projects", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15, help="timed GETs per log page")
    parser.add_argument("--rounds", type=int, default=10, help="most 'Retry failed' rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile the push runs")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, Path(args.state))
    seed = ["--employees", "10", "--projects", "1", "--vendors", "2", "--sub-jobs", "1"]
    started = time.monotonic()
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        state = prepare(args)
        results, checks = {}, {}
        for phase in PHASES:
            if phase == "repush":
                state["edited"] = edit_cors(state)
            if phase == "faults":
                state["faults"] = target_create(state, "Bench Faults", "F-1", args)
            if phase == "log":
                state["log"] = {
                    "big": log_account("Bench Log", args.log_cors, args.log_projects),
                    "small": log_account("Bench Log Small", 10, 2),
                }
            stack.analyze()
            state_file = bench.run_dir / "state.json"
            state_file.write_text(json.dumps(state, default=str))
            results[phase] = stack.run_phase(bench, __file__, phase, state_file, PHASE_TIMEOUT)
            if phase != "log":
                target = state["faults" if phase == "faults" else "push"]
                checks[phase] = check_sandbox(target, checks["push"] if phase == "repush" else None)
        report(bench, args, state, results, checks, time.monotonic() - started)


def prepare(args) -> dict:
    from benchkit.office import connected_office, owner_create

    office, connection = connected_office("Bench COR Push")
    user = owner_create(office.account, "owner@bench-cor-push.test")
    state = {"office": office.pk, "user": user.pk, "company": connection.company_id}
    state |= {"repeat": args.repeat, "rounds": args.rounds, "profile": args.profile}
    state["statuses"] = change_event_statuses()
    state["push"] = target_create(state, "Bench Tower", "T-1", args)
    return state


def change_event_statuses() -> list[str]:
    """The seeded company's statuses (Open is the default); added as the tests do if absent."""
    from benchkit.office import demo_company

    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord

    company = demo_company()
    found = SandboxRecord.objects.filter(company=company, resource="change_event_statuses")
    if not found.exists():
        for name in ("Open", "Pending", "Closed"):
            data = {"name": name, "mapped_to_status": name.lower(), "show_in_select": True}
            data["default_status"] = name == "Open"
            store.record_create(company=company, resource="change_event_statuses", data=data)
    return sorted(found.values_list("data__name", flat=True))


def target_create(state: dict, name: str, number: str, args) -> dict:
    """A Procore project with budget codes and a commitment, mapped to a new Trestle project
    of the office with `args.cors` CORs (cor_create, one at a time, as users make them)."""
    from benchkit.office import demo_company

    from apps.accounts.models import User
    from apps.offices.models import Office
    from apps.procore_sandbox import store
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import CostCode, Project

    company, office = demo_company(), Office.objects.get(pk=state["office"])
    user = User.objects.get(pk=state["user"])

    def add(resource: str, project_id: int | None = None, **data) -> int:
        record = store.record_create(
            company=company, resource=resource, data=data, project_id=project_id
        )
        return record.id

    remote = add("projects", name=name, project_number=number, active=True)
    for code, title in COST_CODES:
        for letter in LETTERS.values():
            segments = [{"code": code, "name": title}, {"code": letter}]
            add("wbs_codes", remote, flat_code=f"{code}.{letter}", description=title,
                status="active", segment_items=segments)  # fmt: skip
    vendor = add("vendors", name=f"{name} Subcontractor")
    add("prime_contracts", remote, number="PC-001", title="Prime", status="Approved")
    commitment = add("work_order_contracts", remote, number="SC-001", title="Main SC",
                     status="Approved", vendor_id=vendor)  # fmt: skip
    project = Project.objects.create(office=office, number=number, name=name)
    project_map(project=project, procore_project={"id": remote, "name": name}, user=user)
    for code, title in COST_CODES:
        CostCode.objects.get_or_create(
            office=office, code=code, defaults={"name": title, "division_code": code[:2]}
        )
    with meters.Stopwatch() as watch:
        cors = push_cors_create(project, user, args.cors, args.lines)
    return {
        "project": project.pk,
        "procore_project": remote,
        "commitment": commitment,
        "cors": len(cors),
        "create_seconds": watch.seconds,
    }


def push_cors_create(project, user, count: int, lines: int) -> list:
    from apps.cors.services import Line, cor_create
    from apps.projects.models import CostCode

    codes = list(CostCode.objects.filter(office=project.office).order_by("code"))
    cors = []
    for n in range(count):
        items = []
        for i in range(lines):
            cost_type = COST_TYPES[(n + i) % len(COST_TYPES)]
            items.append(
                Line(
                    description=f"Item {i + 1}: {cost_type}",
                    cost_type=cost_type,
                    quantity=Decimal(1 + (n + i) % 7),
                    unit_cost=Decimal(f"{25 + (n * 7 + i * 13) % 400}.50"),
                    markup_percent=Decimal("10") if cost_type == "labor" else Decimal("0"),
                    unit="HR" if cost_type == "labor" else "EA",
                    cost_code=codes[(n + 3 * i) % len(codes)],
                )
            )
        cors.append(cor_create(project=project, user=user, title=f"Change {n + 1}", lines=items))
    return cors


def edit_cors(state: dict) -> dict:
    """Every COR: its first line's unit cost + 10.00, all line ids kept (as the edit form does)."""
    from dataclasses import replace

    from apps.accounts.models import User
    from apps.cors.models import ChangeOrderRequest
    from apps.cors.services import Line, cor_update

    cors = ChangeOrderRequest.objects.filter(project_id=state["push"]["project"]).order_by("number")
    cors = cors.select_related("project__office__account").prefetch_related("lines__cost_code")
    user = User.objects.get(pk=state["user"])
    with meters.Stopwatch() as watch:
        for cor in cors:
            lines = [
                Line(description=x.description, cost_type=x.cost_type, quantity=x.quantity,
                     unit_cost=x.unit_cost, markup_percent=x.markup_percent, unit=x.unit,
                     cost_code=x.cost_code, id=x.pk)
                for x in cor.lines.all()
            ]  # fmt: skip
            lines[0] = replace(lines[0], unit_cost=lines[0].unit_cost + Decimal("10.00"))
            cor_update(cor=cor, user=user, lines=lines, title=cor.title)
    return {"cors": len(cors), "seconds": watch.seconds}


def log_account(name: str, count: int, projects: int) -> dict:
    """`count` CORs of 5 lines over `projects` projects, bulk-created; about half pushed (a
    fifth of those out of date, 70% of them in an Open Change Event)."""
    import random
    from datetime import timedelta

    from benchkit.office import office_create, owner_create
    from django.utils import timezone

    from apps.cors.fingerprint import cor_fingerprint
    from apps.cors.models import ChangeOrderRequest, CorLineItem
    from apps.cors.totals import cor_totals, line_amount
    from apps.procore_sync.push_models import CorPush
    from apps.projects.models import CostCode, Project

    rng, now = random.Random(count), timezone.now()
    with meters.Stopwatch() as watch:
        office = office_create(name)
        slug = name.lower().replace(" ", "-")
        user = owner_create(office.account, f"owner@{slug}.test")
        codes = CostCode.objects.bulk_create(
            CostCode(office=office, code=c, name=t, division_code=c[:2]) for c, t in COST_CODES
        )
        rows = Project.objects.bulk_create(
            Project(office=office, number=f"{n + 1:03d}", name=f"{name} project {n + 1}")
            for n in range(projects)
        )
        statuses = ["draft", "sent", "approved", "rejected", "void"]
        cors, lines, numbers = [], [], Counter()
        for k in range(count):
            project = rows[k % projects]
            numbers[project.pk] += 1
            prices = [
                (Decimal(1 + (k + i) % 5), Decimal(f"{40 + (k * 11 + i * 17) % 900}.25"),
                 Decimal("10") if i == 0 else Decimal("0"))
                for i in range(5)
            ]  # fmt: skip
            totals = cor_totals(prices)
            cor = ChangeOrderRequest(
                project=project, number=numbers[project.pk], title=f"{WORDS[k % 10]} {k + 1}",
                status=rng.choices(statuses, weights=[4, 3, 2, 1, 1])[0], created_by=user,
                created_at=now - timedelta(minutes=count - k), subtotal=totals.subtotal,
                markup_total=totals.markup_total, total=totals.total,
            )  # fmt: skip
            cors.append(cor)
            lines.append(
                [
                    CorLineItem(position=i, description=f"Item {i + 1}", unit="EA",
                                cost_type=COST_TYPES[(k + i) % 5], cost_code=codes[(k + i) % 10],
                                quantity=q, unit_cost=u, markup_percent=m,
                                amount=line_amount(q, u, m))
                    for i, (q, u, m) in enumerate(prices)
                ]
            )  # fmt: skip
        ChangeOrderRequest.objects.bulk_create(cors, batch_size=2000)
        for cor, items in zip(cors, lines, strict=True):
            for item in items:
                item.cor = cor
        CorLineItem.objects.bulk_create([x for items in lines for x in items], batch_size=5000)
        for cor, items in zip(cors, lines, strict=True):
            cor.fingerprint = cor_fingerprint(cor, items)
        ChangeOrderRequest.objects.bulk_update(cors, ["fingerprint"], batch_size=1000)
        pushes = []
        for k, (cor, items) in enumerate(zip(cors, lines, strict=True)):
            if rng.random() >= 0.5:
                continue
            event = 1_000_000 + (k % projects) * 100 + (k // 97) % 40
            stale = rng.random() < 0.2
            pushes.append(
                CorPush(office=office, cor=cor, procore_project_id=900_000 + k % projects,
                        change_event_id=event, change_event_number=str(event % 100 + 1),
                        change_event_status="Open" if rng.random() < 0.7 else "Closed",
                        line_ids={f"line:{x.pk}": 5_000_000 + x.pk for x in items},
                        pushed_total=cor.total, fingerprint="0" * 64 if stale else cor.fingerprint,
                        pushed_by=user, status_checked_at=now - timedelta(hours=1))
            )  # fmt: skip
        CorPush.objects.bulk_create(pushes, batch_size=2000)
    return {
        "user": user.pk,
        "project": rows[0].pk,
        "cors": count,
        "lines": sum(len(x) for x in lines),
        "projects": projects,
        "pushes": len(pushes),
        "out_of_date": sum(p.fingerprint != p.cor.fingerprint for p in pushes),
        "seconds": watch.seconds,
    }


def check_sandbox(target: dict, before: dict | None) -> dict:
    """What the sandbox holds for the target's Procore project, against the CORs in Trestle."""
    from apps.cors.models import CorLineItem
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.cor_push.lines import key_of
    from apps.procore_sync.push_models import CorPush

    rows = SandboxRecord.objects.filter(
        resource="change_events", project_id=target["procore_project"], deleted_at__isnull=True
    ).order_by("id")
    events = [{**r.data, "id": r.id} for r in rows]
    items = [i for e in events for i in e.get("change_event_line_items") or []]
    keys = Counter(key_of(str(i.get("description") or "")) for i in items)
    untagged = keys.pop(None, 0)
    wanted = {}  # a line's cost, and its markup as a line of its own (cor_push/lines.py)
    for line in CorLineItem.objects.filter(cor__project_id=target["project"]):
        wanted[f"line:{line.pk}"] = line.cost
        if line.markup:
            wanted[f"markup:{line.pk}"] = line.markup
    now = {
        key_of(str(i.get("description") or "")): [i["id"], str(i.get("estimated_cost_amount"))]
        for i in items
    }
    wrong = sum(1 for k, (_, a) in now.items() if k in wanted and Decimal(a) != wanted[k])
    result = {
        "events": len(events),
        "origins": Counter(
            str(e.get("origin_id"))
            for e in events
            if "trestle-cor-push-" in str(e.get("origin_id"))
        ),
        "lines": len(items),
        "tagged": sum(keys.values()),
        "untagged": untagged,
        "duplicate_tags": sum(1 for n in keys.values() if n > 1),
        "missing": len(set(wanted) - set(keys)),
        "extra": len(set(keys) - set(wanted)),
        "wrong_amounts": wrong,
        "pushes": CorPush.objects.filter(
            cor__project_id=target["project"], change_event_id__in=[e["id"] for e in events]
        ).count(),
        "snapshot": now,
    }
    if before is not None:
        old = before["snapshot"]
        result["same_ids"] = sum(1 for k, (i, _) in now.items() if k in old and old[k][0] == i)
        result["amounts_changed"] = sum(
            1 for k, (_, a) in now.items() if k in old and Decimal(old[k][1]) != Decimal(a)
        )
        result["lines_before"] = before["lines"]
    return result


# --- children: one phase each ---------------------------------------------------------------


def child(phase: str, state_file: Path) -> None:
    stack.django_setup()
    state = json.loads(state_file.read_text())
    result = run_log(state) if phase == "log" else run_push(phase, state)
    (state_file.parent / f"{phase}.json").write_text(json.dumps(result, default=str))


def instrument(counter: meters.QueryCounter) -> None:
    """Label SQL by step. Measuring only: each wrapper calls the original unchanged."""
    from apps.procore_sync import runs
    from apps.procore_sync.cor_push import push, services

    services.pushable = counter.wrap(services.pushable, "push_queue's check (pushable)")
    push.plan_push = counter.wrap(push.plan_push, "pre-flight (plan_push)")
    push.Pusher._record = counter.wrap(push.Pusher._record, "CorPush rows (Pusher._record)")
    runs.RunRecorder.add = counter.wrap(runs.RunRecorder.add, "run items and row (RunRecorder)")


def run_push(phase: str, state: dict) -> dict:
    import cProfile

    from django.db import connection

    from apps.accounts.models import User
    from apps.cors.models import ChangeOrderRequest
    from apps.procore_sync import engine
    from apps.procore_sync.cor_push.options import PushOptions
    from apps.procore_sync.cor_push.services import push_queue
    from apps.procore_sync.push_models import CorPush
    from apps.projects.models import Project

    counter = meters.QueryCounter()
    instrument(counter)
    target = state["faults" if phase == "faults" else "push"]
    project = Project.objects.select_related("office__account").get(pk=target["project"])
    cors = list(ChangeOrderRequest.objects.filter(project=project).order_by("number"))
    user = User.objects.get(pk=state["user"])
    params = {"title": f"Bench {phase}", "contract": {"type": "commitment",
              "id": target["commitment"]}}  # fmt: skip
    if phase == "repush":
        params["change_event_id"] = (
            CorPush.objects.filter(cor__project=project).first().change_event_id
        )
    options = PushOptions.from_params(params)
    if phase == "faults":
        faults_set(seed=11, **FAULTS, **fault_scope())
    runs, profiler = [], cProfile.Profile() if state["profile"] else None
    with (
        meters.RssPeak() as rss,
        connection.execute_wrapper(counter),
        meters.Stopwatch() as watch,
        meters.labelled(phase),
    ):
        if profiler:
            profiler.enable()
        run = push_queue(project=project, cors=cors, options=options, user=user,
                         enqueue=lambda run_id: None)  # fmt: skip
        run = engine.run_execute(run.pk)
        runs.append(run_summary(run))
        if phase == "faults":
            run = retry_until_done(run, user, state["rounds"], runs)
        if profiler:
            profiler.disable()
    injected = {**fault_counts(), "rounds": state["rounds"]} if phase == "faults" else {}
    if phase == "faults":
        faults_set()
    log = [*meters.LOG.sent, *meters.LOG.failed]
    patches = [s.seconds for s in meters.LOG.sent if s.method == "PATCH" and s.status == 200]
    return {
        "seconds": watch.seconds,
        "cors": len(cors),
        "runs": runs,
        "requests": Counter(s.family for s in log),
        "statuses": Counter(str(s.status) for s in log),
        "http_seconds": sum(s.seconds for s in log),
        "patch_seconds": patches,
        "queries": dict(counter.counts),
        "query_seconds": dict(counter.seconds),
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
        "faults": injected,
        "profile": meters.profile_top(profiler),
    }


def run_summary(run) -> dict:
    return {"id": run.pk, "status": run.status, "counts": run.counts, "error": run.error}


def retry_until_done(run, user, most: int, runs: list):
    """What a user does with "Retry failed" on Sync Activity until every COR is in."""
    from apps.procore_sync import engine
    from apps.procore_sync.engine_models import RunStatus
    from apps.procore_sync.runs import run_retry_failed

    for _ in range(most):
        if run.counts.get("failed", 0) == 0 and run.status != RunStatus.FAILED:
            break
        if not run.items.filter(outcome="failed").exists():
            break  # the run failed as a whole (no COR to retry): reported as it is
        run = run_retry_failed(run=run, user=user, enqueue=lambda run_id: None)
        run = engine.run_execute(run.pk)
        runs.append(run_summary(run))
    return run


def fault_scope() -> dict:
    """Scope the faults to the Change Event endpoints where the sandbox supports it."""
    from apps.procore_sandbox import faults

    return {"paths": FAULT_PATHS} if "paths" in faults.DEFAULTS else {}


def faults_set(**config) -> None:
    """set_faults replaces the whole config: keep the stack's lifted rate limits in it."""
    from apps.procore_sandbox import faults

    limits = {"rate_limit_hourly": stack.NO_LIMIT, "rate_limit_spike": stack.NO_LIMIT}
    faults.set_faults(**config, **limits)


def fault_counts() -> dict:
    from apps.procore_sandbox.models import SandboxConfig

    row = SandboxConfig.objects.get(id=1)
    return {
        "config": row.faults,
        "drawn": row.request_count,  # requests in scope (a draw each)
        "faulted": getattr(row, "faulted_count", None),
    }


def run_log(state: dict) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.procore_sync import receivers

    receivers.enqueue_run = lambda run_id: None  # the status refresh it queues needs no broker
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    result = {}
    with meters.RssPeak() as rss:
        for size, account in state["log"].items():
            client = Client()
            client.force_login(User.objects.get(pk=account["user"]))
            pages = {}
            for label, params in LOG_VIEWS:
                query = {k: v.format(project=account["project"]) for k, v in params.items()}
                response = client.get("/cors/", query)  # warm-up: the first GET queues a refresh
                with CaptureQueriesContext(connection) as queries:
                    response = client.get("/cors/", query)
                sql = [q["sql"][:160] for q in queries.captured_queries]  # before the next GET
                times = []
                for _ in range(state["repeat"]):
                    started = time.perf_counter()
                    client.get("/cors/", query)
                    times.append(time.perf_counter() - started)
                pages[label] = {
                    "status": response.status_code,
                    "rows": response.content.count(b"data-cor="),
                    "queries": len(sql),
                    "sql": sql,
                    "median_ms": statistics.median(times) * 1000,
                    "min_ms": min(times) * 1000,
                    "kb": len(response.content) / 1024,
                    "ce_options": ce_options(response.content),
                }
            result[size] = pages
    result["rss_peak_mb"] = rss.peak / 2**20
    return result


def ce_options(html: bytes) -> int:
    """Options of the Change Event status filter (one per status expected)."""
    start = html.find(b'name="change_event_status"')
    return html[start : html.find(b"</select>", start)].count(b"<option") - 1 if start >= 0 else 0


# --- the report ------------------------------------------------------------------------------


def minimum(cors: int) -> int:
    """5 catalog lists (events, statuses, budget codes, prime contracts, commitments), one write
    per batch, and one lookup: the origin_id look-up before a create, or the event's read."""
    from apps.procore_sync.cor_push import push

    return 5 + math.ceil(cors / push.BATCH_CORS) + 1


def report(bench, args, state: dict, results: dict, checks: dict, elapsed: float) -> None:
    from apps.procore_sync.cor_push import push

    push_target = state["push"]
    print(f"cor_push: {args.cors:,} CORs x {args.lines} lines per push, in batches of "
          f"{push.BATCH_CORS} CORs; {len(COST_CODES)} cost codes x {len(LETTERS)} cost types = "
          f"{len(COST_CODES) * len(LETTERS)} budget codes per Procore project; sandbox on gunicorn "
          f"({stack.SERVER_WORKERS} workers, loopback); each phase in its own process")  # fmt: skip
    print(f"  seed: {bench.notes[0]} ({bench.seed_seconds:.1f}s); Change Event statuses "
          f"{', '.join(state['statuses'])}; {push_target['cors']:,} CORs made with cor_create "
          f"in {push_target['create_seconds']:.1f}s")  # fmt: skip
    print("  minimum requests: 5 catalog lists + ceil(CORs / BATCH_CORS) writes + 1 lookup "
          "(origin_id look-up before the create, or the read of the existing event)")  # fmt: skip
    titles = {
        "push": "1. push into a new Change Event",
        "repush": f"2. re-push after editing all {state['edited']['cors']:,} CORs (one line's unit "
        f"cost each, cor_update in {state['edited']['seconds']:.1f}s), same Change Event",
        "faults": "3. push with sandbox faults, then Retry failed until no COR fails",
    }
    for phase, title in titles.items():
        print(f"\n== {title}")
        report_push(results[phase])
        report_check(phase, checks[phase])
    report_log(state, results["log"])
    summary(state, results, checks)
    print(f"\ntotal wall time {elapsed:.0f}s")


def report_push(r: dict) -> None:
    cors, seconds = r["cors"], r["seconds"]
    total, least = sum(r["requests"].values()), minimum(cors)
    for n, run in enumerate(r["runs"]):
        name = "run" if n == 0 else f"retry {n}"
        error = f" - {run['error']}" if run["error"] else ""
        print(f"  {name}: {run['status']}{error} {json.dumps(run['counts'], sort_keys=True)}")
    print(f"  wall {seconds:.1f}s, {cors / seconds:,.1f} CORs/s; peak RSS "
          f"{r['rss_peak_mb']:.0f} MB (+{r['rss_growth_mb']:.0f} MB over the start)")  # fmt: skip
    statuses = ", ".join(f"{k if k != '0' else 'no answer'}: {v}"
                         for k, v in sorted(r["statuses"].items()))  # fmt: skip
    print(f"  Procore requests: {total:,} ({total / cors:.3f} per COR; minimum {least}, "
          f"{least / cors:.3f} per COR; {total / least:.2f}x) - answers {statuses}")  # fmt: skip
    for family, n in sorted(r["requests"].items(), key=lambda x: (-x[1], x[0])):
        print(f"    {n:>5,}  {family}")
    if r["patch_seconds"]:
        p = r["patch_seconds"]
        print(f"    PATCH round trip: first {p[0]:.2f}s, median {statistics.median(p):.2f}s, "
              f"last {p[-1]:.2f}s (the answer carries the whole event)")  # fmt: skip
    sql, sql_seconds = sum(r["queries"].values()), sum(r["query_seconds"].values())
    print(f"  time: {r['http_seconds']:.1f}s waiting for Procore (HTTP round trips), "
          f"{sql_seconds:.1f}s in SQL, {seconds - r['http_seconds'] - sql_seconds:.1f}s other "
          "Python")  # fmt: skip
    print(f"  SQL statements: {sql:,} ({sql / cors:.1f} per COR)")
    for label in sorted(r["queries"]):
        print(f"    {label:34}{r['queries'][label]:>7,}{r['query_seconds'][label]:>7.1f}s")
    if r["profile"]:
        print("  cProfile of the push (top 30 by cumulative time):")
        print("    " + "\n    ".join(r["profile"].splitlines()[:60]))
    if r["faults"]:
        f = r["faults"]
        print(f"  Retry failed rounds: {len(r['runs']) - 1} (until no COR failed; at most "
              f"{r['faults']['rounds']})")  # fmt: skip
        print(f"  faults: {json.dumps(f['config'], sort_keys=True)}; {f['faulted']} of "
              f"{f['drawn']} requests in scope faulted")  # fmt: skip


def report_check(phase: str, c: dict) -> None:
    origins = dict(c["origins"])
    print(f"  sandbox check: {c['events']} Change Event(s) in the Procore project, origin_ids "
          f"{origins} (most per origin_id: {max(origins.values(), default=0)}); {c['lines']:,} "
          f"line items, {c['tagged']:,} tagged, {c['untagged']} untagged, "
          f"{c['duplicate_tags']} duplicate tags, {c['missing']} COR lines missing, "
          f"{c['extra']} unknown tags, {c['wrong_amounts']} amounts unlike Trestle's; "
          f"{c['pushes']:,} CorPush rows on the event")  # fmt: skip
    if phase == "repush":
        added = c["lines"] - c["lines_before"]
        print(f"  re-push: {added:+,} line items ({c['lines_before']:,} before), "
              f"{c['same_ids']:,} keep their Procore id, {c['amounts_changed']:,} amounts "
              "changed")  # fmt: skip


def report_log(state: dict, r: dict) -> None:
    big, small = state["log"]["big"], state["log"]["small"]
    print(f"\n== 4. COR log GET /cors/: django.test.Client in the process (no network, one "
          f"database connection kept), owner logged in; {state['repeat']} timed GETs per page "
          f"after a warm-up and a counted one; peak RSS {r['rss_peak_mb']:.0f} MB")  # fmt: skip
    print(f"  {big['cors']:,} CORs ({big['lines']:,} lines) over {big['projects']} projects, "
          f"{big['pushes']:,} pushed ({big['out_of_date']:,} out of date), bulk-created in "
          f"{big['seconds']:.1f}s; small account: {small['cors']} CORs, {small['pushes']} "
          "pushed")  # fmt: skip
    print(f"  {'page':26}{'rows':>5}{'queries':>8}{'median ms':>10}{'min ms':>8}{'KB':>6}"
          f"{'CE opts':>8}  | 10-COR log: queries, median ms, KB, CE opts")  # fmt: skip
    for label, _ in LOG_VIEWS:
        p, s = r["big"][label], r["small"][label]
        bad = "" if p["status"] == 200 else f" (HTTP {p['status']})"
        print(f"  {label + bad:26}{p['rows']:>5}{p['queries']:>8}{p['median_ms']:>10.1f}"
              f"{p['min_ms']:>8.1f}{p['kb']:>6.0f}{p['ce_options']:>8}  | {s['queries']:>3}, "
              f"{s['median_ms']:.1f}, {s['kb']:.0f}, {s['ce_options']}")  # fmt: skip
    print("  'CE opts': options of the Change Event status filter (distinct statuses: Open, "
          "Closed). The first page's statements:")  # fmt: skip
    for sql in r["big"]["first page"]["sql"]:
        print(f"    {sql}")


def summary(state: dict, results: dict, checks: dict) -> None:
    print("\n== summary")
    for phase in ("push", "repush", "faults"):
        r = results[phase]
        total, least = sum(r["requests"].values()), minimum(r["cors"])
        rounds = len(r["runs"]) - 1
        more = f", {rounds} retry round(s)" if phase == "faults" else ""
        c = checks[phase]
        print(f"  {phase:7} {total / r['cors']:.3f} requests/COR ({total / least:.2f}x the "
              f"minimum {least / r['cors']:.3f}), {r['cors'] / r['seconds']:,.1f} CORs/s, "
              f"{sum(r['queries'].values()) / r['cors']:.1f} SQL/COR, peak RSS "
              f"{r['rss_peak_mb']:.0f} MB{more}; {c['events']} Change Event(s), "
              f"{c['lines']:,} lines, {c['duplicate_tags']} duplicate tags")  # fmt: skip
    log = results["log"]
    big = [p["queries"] for p in log["big"].values()]
    small = [p["queries"] for p in log["small"].values()]
    medians = [p["median_ms"] for p in log["big"].values()]
    cors = state["log"]["big"]["cors"]
    print(f"  log     {min(big)}-{max(big)} queries per page with {cors:,} CORs vs "
          f"{min(small)}-{max(small)} with 10; median server time {min(medians):.0f}-"
          f"{max(medians):.0f} ms per page")  # fmt: skip


if __name__ == "__main__":
    main()
