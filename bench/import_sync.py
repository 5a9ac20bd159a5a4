"""Issue 4: the entity sync engine on a big company, next to a floor measured in the same run.

The sandbox is seeded with `procore_sandbox_seed --employees 20000 --projects 2000 --sub-jobs 3`
plus a company cost code list of 1,000 codes under 10 divisions (the seed has none), its
records dated an hour back (so the second run's 2-minute cursor overlap does not re-read the
seed), and served by gunicorn on a loopback port. Each phase runs in a fresh child process so
its peak memory is its own:

1. full import (flow "entities": work classifications, employees, projects, sub-jobs, cost
   codes) with `run_queue(...)` + `engine.run_execute(run_id)`; then its floor: the same pages
   with `requests.get` + `json.loads`, rows and links written with COPY into another office;
2. the same run again with nothing changed (issue 17: webhook-first sync, the office's hook
   registered as the wizard does); floor: the same pages, fetched and parsed. Its requests are
   `noop_requests`, next to `noop_floor`: one request per kind of resource the run covers (each
   entity's list and the custom field definitions), the floor of a poll that reads every kind;
   sub-jobs and the cost code list come below it as Procore announces their changes by webhook;
3. employees set to "both", 5,000 random local employees changed, an employees run (import
   of nothing, then the export); floor: one SELECT, sync-action PATCHes of 1,000, one COPY
   and one UPDATE of the links.

Printed per run: Procore requests and the minimum possible (ceil(Total/Per-Page) per list the
run must read, one list per linked project for sub-jobs, ceil(sent/1000) sync calls), records/s,
SQL statements per batch (`connection.execute_wrapper`), peak RSS growth, and ratios to the
floor. No assertion: figures are printed as measured. `--profile` adds the top of a cProfile
of each engine run (slower; timings then include the profiler). The last line is one JSON
object of the key figures (seconds and requests per run, `noop_requests`, `noop_floor`).

    .venv/bin/python bench/import_sync.py [--employees 20000] [--projects 2000] [--changed 5000]
"""

import argparse
import json
import time
from pathlib import Path

from benchkit import meters, stack

ENTITIES = ["work_classifications", "employees", "projects", "sub_jobs", "cost_codes"]
DIVISIONS, CODES = 10, 1000
PHASES = ["import", "import-floor", "unchanged", "unchanged-floor", "export", "export-floor"]
PHASE_TIMEOUT = 600
NOOP_FLOOR = len(ENTITIES) + 1  # one list per entity, plus the custom field definitions


# --- parent: the stack, the data, the phases, the report -----------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--sub-jobs", type=int, default=3, help="per project")
    parser.add_argument("--changed", type=int, default=5_000, help="employees changed locally")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine runs")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, Path(args.state))
    seed = ["--employees", str(args.employees), "--projects", str(args.projects)]
    seed += ["--sub-jobs", str(args.sub_jobs), "--vendors", "20"]
    started = time.monotonic()
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        state = prepare(bench, args)
        results = {}
        for phase in PHASES:
            if phase == "export":
                state["changed"] = change_employees(state, args.changed)
                unhook(state)
            stack.analyze()
            state_file = bench.run_dir / "state.json"
            state_file.write_text(json.dumps(state))
            results[phase] = stack.run_phase(bench, __file__, phase, state_file, PHASE_TIMEOUT)
        report(bench, args, state, results, time.monotonic() - started)


def prepare(bench: stack.Stack, args) -> dict:
    from benchkit.office import connected_office, office_create, sandbox_token

    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.webhooks import webhooks_register

    with meters.Stopwatch() as watch:
        list_id = add_cost_code_list()
        stack.sandbox_backdate()
    office, connection = connected_office("Bench Engine")
    webhooks_register(connection)  # as choosing the company in the wizard does
    # One live connection per Procore company: the floor's office borrows a token instead.
    floor_office = office_create("Bench Floor")
    SyncSettings.objects.filter(office__in=[office, floor_office]).update(cost_code_list_id=list_id)
    return {
        "office": office.pk,
        "floor_office": floor_office.pk,
        "floor_token": sandbox_token().access_token,
        "company": connection.company_id,
        "profile": args.profile,
        "extra_seed_seconds": watch.seconds,
    }


def add_cost_code_list() -> int:
    """A company cost code list: 10 divisions of 100 codes (the seed command makes none)."""
    import random

    from apps.procore_sandbox import seed
    from apps.procore_sandbox.models import SandboxCompany

    company = SandboxCompany.objects.get(name=seed.DEMO_COMPANY)
    build = seed.Builder(company, random.Random(4))
    list_id = build.add("standard_cost_code_lists", {"name": "Bench Standard"})
    per_division = CODES // DIVISIONS
    for d in range(1, DIVISIONS + 1):
        code = f"{d:02d}"
        division = build.add(
            "standard_cost_codes",
            {"code": code, "full_code": code, "name": f"Division {code}", "parent_id": None},
            parent_id=list_id,
        )
        for n in range(1, per_division + 1):
            full = f"{code}-{n * 10:04d}"
            data = {"code": f"{n * 10:04d}", "full_code": full, "name": f"Code {full}"}
            build.add("standard_cost_codes", data | {"parent_id": division}, parent_id=list_id)
    build.flush()
    return list_id


def unhook(state: dict) -> None:
    """The hook removed before the export: the sandbox would post each exported employee back
    as a delivery to this same 2-worker server, so run 3 would time the deliveries too (their
    latency is bench/webhook_latency.py's subject)."""
    from apps.procore_sync.models import ProcoreConnection
    from apps.procore_sync.webhooks import webhooks_deregister

    webhooks_deregister(ProcoreConnection.objects.get(office_id=state["office"]))


def change_employees(state: dict, count: int) -> list[int]:
    """Directions employees: both; `count` random local employees get a new city."""
    import random

    from django.utils import timezone

    from apps.procore_sync.engine_models import SyncSettings
    from apps.timecards.models import Employee

    SyncSettings.objects.filter(office_id=state["office"]).update(directions={"employees": "both"})
    ids = list(Employee.objects.filter(office_id=state["office"]).values_list("pk", flat=True))
    changed = sorted(random.Random(5).sample(ids, min(count, len(ids))))
    Employee.objects.filter(pk__in=changed).update(city="Benchville", updated_at=timezone.now())
    return changed


# --- children: one phase each ---------------------------------------------------------------


def child(phase: str, state_file: Path) -> None:
    stack.django_setup()
    state = json.loads(state_file.read_text())
    if phase.endswith("-floor"):
        result = run_floor(phase, state, state_file.parent)
    else:
        result = run_engine(phase, state, state_file.parent)
    (state_file.parent / f"{phase}.json").write_text(json.dumps(result, default=str))


def instrument(counter: meters.QueryCounter, batches: list) -> None:
    """Label requests and SQL by entity and step; count statements per batch. Measuring only:
    every wrapper calls the engine's own function unchanged."""
    from apps.procore_sync import engine, runs
    from apps.procore_sync.exporters import entities as exporters

    def step(original, direction):
        def wrapped(ctx, entity, *args):
            label = f"{entity.name} {direction}"
            with meters.labelled(label), counter.labelled(label):
                return original(ctx, entity, *args)

        return wrapped

    def per_batch(original, kind):
        def wrapped(*args):
            entity = args[1] if kind == "out" else args[0]
            before, started = counter.counts.total(), time.perf_counter()
            # out: _send(ctx, entity, scope, outbox) sends the scope's gathered updates
            size = len(args[3].groups[args[2]]) if kind == "out" else len(args[1].records)
            with counter.labelled(f"{entity.name} {kind} batch"):
                result = original(*args)
            seconds = time.perf_counter() - started
            batches.append([entity.name, kind, size, counter.counts.total() - before, seconds])
            return result

        return wrapped

    def recorder_add(original):
        def wrapped(self, *args, **kwargs):
            with counter.labelled("run bookkeeping"):
                return original(self, *args, **kwargs)

        return wrapped

    engine._import = step(engine._import, "in")
    engine._export = step(engine._export, "out")
    name = "import_batch_seen" if hasattr(engine, "import_batch_seen") else "import_batch"
    setattr(engine, name, per_batch(getattr(engine, name), "in"))
    exporters._send = per_batch(exporters._send, "out")
    runs.RunRecorder.add = recorder_add(runs.RunRecorder.add)


def run_engine(phase: str, state: dict, folder: Path) -> dict:
    import cProfile

    from django.db import connection

    from apps.offices.models import Office
    from apps.procore_sync import engine
    from apps.procore_sync.runs import run_queue

    counter, batches = meters.QueryCounter(), []
    instrument(counter, batches)
    office = Office.objects.get(pk=state["office"])
    params = {"entities": ["employees"] if phase == "export" else ENTITIES}
    run = run_queue(office=office, flow="entities", trigger="user", params=params,
                    enqueue=lambda _: None)  # fmt: skip
    profiler = cProfile.Profile() if state["profile"] else None
    with meters.RssPeak() as rss, connection.execute_wrapper(counter), meters.Stopwatch() as watch:
        if profiler:
            profiler.enable()
        with meters.labelled("other"):
            run = engine.run_execute(run.pk)
        if profiler:
            profiler.disable()
    log = meters.LOG.sent
    (folder / f"{phase}-pages.json").write_text(
        json.dumps([[s.label, s.url] for s in log if s.method == "GET"])
    )
    return {
        "seconds": watch.seconds,
        "status": run.status,
        "error": run.error,
        "counts": run.counts,
        "requests": dict(meters.LOG.by_label()),
        "minimum": minimum_requests(log),
        "records": fetched_records(log),
        "sent": sum(s.records or 0 for s in log if s.method == "PATCH"),
        "queries": dict(counter.counts),
        "query_seconds": dict(counter.seconds),
        "http_seconds": sum(s.seconds for s in log),
        "batches": batches,
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
        "profile": meters.profile_top(profiler),
    }


def minimum_requests(log: list) -> dict:
    labels = {s.label for s in log}
    minimum = {}
    for label in labels:
        lists = meters.RequestLog(sent=[s for s in log if s.label == label])
        patches = sum(s.records or 0 for s in log if s.label == label and s.method == "PATCH")
        minimum[label] = lists.minimum_list_requests() + -(-patches // 1000)
    return minimum


def fetched_records(log: list) -> int:
    """Records in the lists read: the `Total` of each distinct list."""
    totals = {s.list_key(): s.total or 0 for s in log if s.method == "GET"}
    return sum(totals.values())


def run_floor(phase: str, state: dict, folder: Path) -> dict:
    from benchkit import floor
    from benchkit.office import auth_headers

    headers = auth_headers(state["floor_token"], state["company"])
    engine_phase = phase.removesuffix("-floor")
    pages = json.loads((folder / f"{engine_phase}-pages.json").read_text())
    dsn = stack.psycopg_dsn()
    with meters.RssPeak() as rss, meters.Stopwatch() as watch:
        if engine_phase == "import":
            result = floor.ImportFloor(dsn, state["floor_office"], headers).run(pages)
        elif engine_phase == "unchanged":
            result = floor.replay_pages([url for _, url in pages], headers)
        else:
            url = f"{stack.api_url()}/rest/v1.0/companies/{state['company']}/users/sync"
            result = floor.export_employees(dsn, state["office"], state["changed"], url, headers)
    return {
        "seconds": watch.seconds,
        "requests": result.requests,
        "records": result.records,
        "statements": result.statements,
        "seconds_http": result.seconds_http,
        "seconds_links": result.seconds_links,
        "written": dict(result.written),
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
    }


# --- the report ------------------------------------------------------------------------------


def report(bench, args, state: dict, results: dict, elapsed: float) -> None:
    workers = stack.SERVER_WORKERS
    print(f"import_sync: {args.employees:,} employees, {args.projects:,} projects x "
          f"{args.sub_jobs} sub-jobs, {CODES:,} cost codes ({DIVISIONS} divisions); sandbox on "
          f"gunicorn ({workers} workers, loopback); each phase in its own process")  # fmt: skip
    print(f"  seed: {bench.notes[0]} (command wall time {bench.seed_seconds:.1f}s; cost code "
          f"list and backdating {state['extra_seed_seconds']:.1f}s)")  # fmt: skip
    print("  minimum requests: ceil(Total/Per-Page) per list the run reads (the sandbox's pages: "
          "1,000; 300 for v1.1 projects), i.e. one sub-job list per linked project, plus "
          "ceil(records sent/1000) sync calls; 'other': the custom field definitions")  # fmt: skip
    print("  floor: the engine run's own page URLs with requests.get + json.loads, same mapping "
          "functions, per page one id-block query + COPY rows + COPY links (another office); "
          "statistics refreshed (ANALYZE) before each phase")  # fmt: skip
    titles = {
        "import": "run 1: full import",
        "unchanged": "run 2: nothing changed",
        "export": f"run 3: {args.changed:,} employees changed in Trestle, employees run (export)",
    }
    for phase, title in titles.items():
        engine_result, floor_result = results[phase], results[f"{phase}-floor"]
        print(f"\n== {title}")
        report_engine(engine_result)
        report_floor(floor_result)
        ratio = engine_result["seconds"] / floor_result["seconds"]
        memory = engine_result["rss_peak_mb"] / floor_result["rss_peak_mb"]
        growth = engine_result["rss_growth_mb"] / max(floor_result["rss_growth_mb"], 1.0)
        print(f"  engine/floor: time {ratio:.2f}x, peak RSS {memory:.2f}x, RSS growth "
              f"{growth:.1f}x (growth floored at 1 MB)")  # fmt: skip
        if engine_result["profile"]:
            print("  cProfile of the engine run (top 30 by cumulative time):")
            print("    " + "\n    ".join(engine_result["profile"].splitlines()[:60]))
    print(f"\ntotal wall time {elapsed:.0f}s")
    print(json.dumps(summary(args, results)))


def summary(args, results: dict) -> dict:
    """The key figures, as one JSON object (the report's last line)."""
    figures = {"employees": args.employees, "projects": args.projects}
    for phase in ("import", "unchanged", "export"):
        engine_result, floor_result = results[phase], results[f"{phase}-floor"]
        figures[f"{phase}_seconds"] = round(engine_result["seconds"], 1)
        figures[f"{phase}_floor_seconds"] = round(floor_result["seconds"], 1)
        figures[f"{phase}_requests"] = sum(engine_result["requests"].values())
    figures["noop_requests"] = figures["unchanged_requests"]
    figures["noop_floor"] = NOOP_FLOOR
    return figures


def report_engine(r: dict) -> None:
    listed, sent, seconds = r["records"], r["sent"], r["seconds"]
    print(f"  engine: {r['status']}{(' - ' + r['error']) if r['error'] else ''} in "
          f"{seconds:.1f}s; records listed {listed:,} ({listed / seconds:,.0f}/s), sent {sent:,} "
          f"({sent / seconds:,.0f}/s); peak RSS {r['rss_peak_mb']:.0f} MB "
          f"(+{r['rss_growth_mb']:.0f} MB over the run's start)")  # fmt: skip
    print(f"    counts: {json.dumps(r['counts'], sort_keys=True)}")
    total = sum(r["requests"].values())
    print(f"    Procore requests: {total:,} (minimum {sum(r['minimum'].values()):,})")
    for label in sorted(r["requests"]):
        print(f"      {label:24}{r['requests'][label]:>7,}  minimum {r['minimum'][label]:>6,}")
    queries, query_seconds = r["queries"], r["query_seconds"]
    sql_seconds = sum(query_seconds.values())
    print(f"    time: {r['http_seconds']:.1f}s waiting for Procore (HTTP, body read), "
          f"{sql_seconds:.1f}s in SQL, {seconds - r['http_seconds'] - sql_seconds:.1f}s "
          "other Python")  # fmt: skip
    print(f"    SQL statements: {sum(queries.values()):,}")
    for label in sorted(queries):
        print(f"      {label:28}{queries[label]:>8,}{query_seconds[label]:>8.1f}s")
    report_batches(r["batches"])


def report_batches(batches: list) -> None:
    groups: dict[tuple, list] = {}
    for name, kind, size, queries, seconds in batches:
        groups.setdefault((name, kind), []).append((size, queries, seconds))
    for (name, kind), rows in sorted(groups.items()):
        sizes, queries = [r[0] for r in rows], [r[1] for r in rows]
        seconds = sum(r[2] for r in rows)
        print(f"      {name} {kind}: {len(rows):,} batches of {min(sizes)}-{max(sizes)} records, "
              f"{min(queries)}-{max(queries)} statements per batch (mean "
              f"{sum(queries) / len(rows):.1f}), {seconds:.1f}s inside the batches")  # fmt: skip


def report_floor(r: dict) -> None:
    rate = r["records"] / r["seconds"] if r["seconds"] else 0
    write = r["seconds"] - r["seconds_http"]
    links = f", of which {r['seconds_links']:.1f}s COPY of links" if r["seconds_links"] else ""
    print(f"  floor: {r['seconds']:.1f}s ({r['seconds_http']:.1f}s HTTP + json.loads, {write:.1f}s "
          f"mapping + SQL{links}), {r['requests']:,} requests, "
          f"{r['records']:,} records ({rate:,.0f}/s), {r['statements']:,} SQL statements, "
          f"written {r['written']}; peak RSS {r['rss_peak_mb']:.0f} MB "
          f"(+{r['rss_growth_mb']:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
