"""Time export: 10,000 approved time cards (200 employees x 50 days) to Procore timecard entries.

The sandbox is seeded with 200 employees (company users, each mirrored as a person) and 4
projects whose cost codes carry the five cost types (labor among them). Trestle gets the 200
employees linked to their company users (as the import links them), the 4 projects mapped, the
cost codes of the seeded list and the Regular Time type linked; each employee works on one
project, 50 consecutive days, cost codes and hours varying; every card is approved (bulk-created
with its fingerprint). Served by gunicorn on a loopback port. Each phase runs in a fresh child
process so its peak memory is its own:

1. export: "Export now" of the 50 days (`time_export_queue` + `engine.run_execute`);
2. again: the same export with nothing changed;
3. edit: 100 cards get new hours, 50 are rejected and 50 deleted; the same export again.

After each phase the sandbox is read back: its live timecard entries of the 4 projects, hours
per (person, day) against Trestle's approved cards, origin_ids seen twice. Printed per phase:
Procore requests (by method and path) and the minimum (the people list, the cost codes and
timesheets of each project, and ceil(cards / 25) bulk creates per project, or one write per
changed card), cards/s, SQL statements, peak RSS. Figures are printed as measured.

`--cards 10000,50000` runs only phase 1, once per size, each on a stack of its own (employees =
cards / days), and reports the export's memory per size: `rss_growth_mb`, the child's peak RSS
(sampled every 5 ms) minus its RSS just before the run, and `peak_mb`, the tracemalloc peak of
Python allocations during the run (`--no-tracemalloc` leaves tracemalloc off and `peak_mb` null).
The last line is one JSON object, in both modes.

    .venv/bin/python bench/time_export.py [--employees 200] [--days 50] [--projects 4]
    .venv/bin/python bench/time_export.py --cards 10000,50000 [--days 50] [--projects 4]
"""

import argparse
import contextlib
import json
import math
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from benchkit import meters, stack

PHASES = ["export", "again", "edit"]
PHASE_TIMEOUT = 900
FIRST_DAY = "2026-09-01"
EDITED, REJECTED, DELETED = 100, 50, 50


# --- parent: the stack, the data, the phases, the checks, the report -----------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=200)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--projects", type=int, default=4)
    parser.add_argument("--cards", help="sizes, e.g. 10000,50000: phase 1 only, once per size")
    parser.add_argument("--no-tracemalloc", dest="trace", action="store_false")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, Path(args.state))
    if args.cards:
        return sizes_main(args, [int(n) for n in args.cards.split(",")])
    started = time.monotonic()
    with stack.bench_stack(*seed_args(args.employees, args.projects)) as bench:
        stack.django_setup()
        with meters.Stopwatch() as setup:
            state = prepare(args, args.employees)
        state["setup_seconds"], state["trace"] = setup.seconds, args.trace
        results, checks = {}, {}
        for phase in PHASES:
            if phase == "edit":
                state["edits"] = edit_cards(state)
            results[phase] = run_child(bench, state, phase)
            checks[phase] = check_sandbox(state)
        report(bench, args, state, results, checks, time.monotonic() - started)
    print(json.dumps({phase: summary(state, phase, results[phase]) for phase in PHASES}))


def sizes_main(args, sizes: list[int]) -> None:
    """Phase 1 once per size, each on a fresh stack, and how the export's memory grows."""
    started, summaries = time.monotonic(), {}
    for cards in sizes:
        employees = math.ceil(cards / args.days)
        with stack.bench_stack(*seed_args(employees, args.projects)) as bench:
            stack.django_setup()
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.clear_cache()  # a new database: its ids may differ
            state = prepare(args, employees)
            state["trace"] = args.trace
            result = run_child(bench, state, "export")
            check = check_sandbox(state)
        summaries[str(state["cards"])] = summary(state, "export", result)
        size_report(state, result, check)
    print(f"\ntotal wall time {time.monotonic() - started:.0f}s")
    print(json.dumps({"sizes": summaries, **growth(summaries)}))


def seed_args(employees: int, projects: int) -> list[str]:
    seed = ["--employees", str(employees), "--projects", str(projects)]
    return [*seed, "--vendors", "2", "--sub-jobs", "1"]


def run_child(bench, state: dict, phase: str) -> dict:
    stack.analyze()
    state_file = bench.run_dir / "state.json"
    state_file.write_text(json.dumps(state, default=str))
    timeout = PHASE_TIMEOUT + state["cards"] // 20  # a busy machine: ~0.8 s per bulk create
    return stack.run_phase(bench, __file__, phase, state_file, timeout)


def prepare(args, employee_count: int) -> dict:
    """Trestle's side, linked to the seeded company, and the approved cards."""
    from benchkit.office import connected_office, demo_company, link, owner_create

    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import CostCode, Project
    from apps.timecards.models import Employee, TimeType

    office, connection = connected_office("Bench Time Export")
    user = owner_create(office.account, "owner@bench-time.test")
    company = demo_company()
    records = SandboxRecord.objects.filter(company=company)

    remote_projects = list(records.filter(resource="projects").order_by("id"))[: args.projects]
    projects = []
    for remote in remote_projects:
        project = Project.objects.create(
            office=office,
            number=remote.data["project_number"],
            name=remote.data["name"],
            time_zone="America/Chicago",
        )
        project_map(
            project=project, procore_project={"id": remote.id, "name": project.name}, user=user
        )
        projects.append(project)
    users = list(records.filter(resource="users", data__is_employee=True).order_by("id"))
    users = users[:employee_count]
    employees = Employee.objects.bulk_create(
        Employee(
            office=office,
            employee_id=u.data["employee_id"],
            first_name=u.data["first_name"],
            last_name=u.data["last_name"],
            email=u.data["email_address"],
        )
        for u in users
    )
    link(office, employees, "company_user", [u.id for u in users])
    codes = sorted(
        {r.data["full_code"] for r in records.filter(resource="cost_codes") if r.data.get("parent")}
    )
    cost_codes = CostCode.objects.bulk_create(
        CostCode(office=office, code=c, name=c, division_code=c[:2]) for c in codes
    )
    regular = records.get(resource="timecard_time_types", data__abbreviated_time_type="REG")
    time_type = TimeType.objects.create(office=office, name="Regular Time", abbreviation="REG")
    link(office, [time_type], "timecard_time_type", [regular.id])
    SyncSettings.objects.filter(office=office).update(
        options={"time_export": "timesheets", "time_trigger": "approved"}, flows={"time": True}
    )
    with meters.Stopwatch() as watch:
        count = cards_create(projects, employees, cost_codes, time_type, args.days)
    return {
        "office": office.pk,
        "user": user.pk,
        "company": connection.company_id,
        "projects": [p.pk for p in projects],
        "procore_projects": [r.id for r in remote_projects],
        "cards": count,
        "cards_seconds": watch.seconds,
        "days": args.days,
        "employees": len(employees),
        "cost_codes": len(cost_codes),
    }


def cards_create(projects, employees, cost_codes, time_type, days: int) -> int:
    """Every employee on one project, every day: approved, hours 6.00 to 10.00 in quarters."""
    from datetime import date, timedelta

    from apps.timecards.fingerprint import entry_fingerprint
    from apps.timecards.models import EntryStatus, TimeCardEntry

    first = date.fromisoformat(FIRST_DAY)
    cards = []
    for n, employee in enumerate(employees):
        for d in range(days):
            card = TimeCardEntry(
                project=projects[n % len(projects)],
                employee=employee,
                date=first + timedelta(days=d),
                hours=Decimal("6.00") + Decimal((n + d) % 17) / 4,
                cost_code=cost_codes[(n + d) % len(cost_codes)],
                time_type=time_type,
                status=EntryStatus.APPROVED,
                description=f"Bench day {d + 1}",
            )
            card.fingerprint = entry_fingerprint(card)
            cards.append(card)
    TimeCardEntry.objects.bulk_create(cards, batch_size=2000)
    return len(cards)


def edit_cards(state: dict) -> dict:
    """New hours on EDITED cards, REJECTED rejected and DELETED deleted (spread over projects)."""
    from django.utils import timezone

    from apps.timecards.fingerprint import entry_fingerprint
    from apps.timecards.models import EntryStatus, TimeCardEntry

    cards = list(TimeCardEntry.objects.filter(project_id__in=state["projects"]).order_by("pk"))
    step = len(cards) // (EDITED + REJECTED + DELETED)
    chosen = cards[::step][: EDITED + REJECTED + DELETED]
    now = timezone.now()
    for n, card in enumerate(chosen):
        if n < EDITED:
            card.hours = card.hours + Decimal("0.50") if card.hours < 20 else Decimal("8.00")
        elif n < EDITED + REJECTED:
            card.status = EntryStatus.REJECTED
        else:
            card.deleted_at = now
        card.fingerprint = entry_fingerprint(card)
        card.updated_at = now
    TimeCardEntry.objects.bulk_update(
        chosen, ["hours", "status", "deleted_at", "fingerprint", "updated_at"], batch_size=500
    )
    return {"edited": EDITED, "rejected": REJECTED, "deleted": DELETED}


def check_sandbox(state: dict) -> dict:
    """Procore's live entries of the projects against Trestle's approved cards, exactly."""
    from collections import defaultdict

    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.engine_models import ExternalRef
    from apps.timecards.models import EntryStatus, TimeCardEntry

    live = SandboxRecord.objects.filter(
        resource="timecard_entries",
        project_id__in=state["procore_projects"],
        deleted_at__isnull=True,
    ).values_list("origin_id", "data__party_id", "data__date", "data__hours")
    procore: dict = defaultdict(Decimal)
    origins = Counter()
    for origin, party, day, hours in live:
        procore[party, day] += Decimal(str(hours))
        origins[origin] += 1
    parties = dict(
        SandboxRecord.objects.filter(resource="people").values_list("data__user_id", "id")
    )
    users = dict(
        ExternalRef.objects.filter(procore_type="company_user").values_list(
            "object_id", "procore_id"
        )
    )
    trestle: dict = defaultdict(Decimal)
    cards = TimeCardEntry.objects.filter(
        project_id__in=state["projects"], status=EntryStatus.APPROVED, deleted_at__isnull=True
    ).values_list("employee_id", "date", "hours")
    for employee, day, hours in cards:
        trestle[parties[users[employee]], day.isoformat()] += hours
    wrong = {k for k in set(procore) | set(trestle) if procore.get(k) != trestle.get(k)}
    return {
        "live": sum(origins.values()),
        "approved": sum(1 for _ in cards),
        "duplicates": sum(n - 1 for n in origins.values() if n > 1),
        "person_days": len(trestle),
        "person_days_wrong": len(wrong),
        "hours_procore": str(sum(procore.values(), Decimal(0))),
        "hours_trestle": str(sum(trestle.values(), Decimal(0))),
    }


# --- children: one phase each ---------------------------------------------------------------


def child(phase: str, state_file: Path) -> None:
    stack.django_setup()
    state = json.loads(state_file.read_text())
    result = run_export(phase, state)
    (state_file.parent / f"{phase}.json").write_text(json.dumps(result, default=str))


def instrument(counter: meters.QueryCounter) -> None:
    """Label SQL by step. Measuring only: each wrapper calls the original unchanged."""
    from apps.procore_sync import runs
    from apps.procore_sync.time_export import timesheets

    timesheets.outline = counter.wrap(timesheets.outline, "card ids and days (outline)")
    timesheets.cards_of = counter.wrap(timesheets.cards_of, "cards, a chunk at a time")
    timesheets.plan = counter.wrap(timesheets.plan, "links of each chunk (plan)")
    timesheets.refs_save = counter.wrap(timesheets.refs_save, "links (ExternalRef upserts)")
    runs.RunRecorder.add = counter.wrap(runs.RunRecorder.add, "run items and row (RunRecorder)")


def run_export(phase: str, state: dict) -> dict:
    from datetime import date, timedelta

    from django.db import connection

    from apps.accounts.models import User
    from apps.offices.models import Office
    from apps.procore_sync import engine
    from apps.procore_sync.time_export.services import time_export_queue

    counter = meters.QueryCounter()
    instrument(counter)
    office = Office.objects.get(pk=state["office"])
    user = User.objects.get(pk=state["user"])
    start = date.fromisoformat(FIRST_DAY)
    end = start + timedelta(days=state["days"] - 1)
    traced = meters.traced_peak() if state.get("trace") else contextlib.nullcontext(None)
    with (
        meters.RssPeak() as rss,
        traced as heap_peak,
        connection.execute_wrapper(counter),
        meters.Stopwatch() as watch,
        meters.labelled(phase),
    ):
        run = time_export_queue(
            office=office, user=user, start=start, end=end, enqueue=lambda run_id: None
        )
        run = engine.run_execute(run.pk)
    log = [*meters.LOG.sent, *meters.LOG.failed]
    return {
        "seconds": watch.seconds,
        "run": {"id": run.pk, "status": run.status, "counts": run.counts, "error": run.error},
        "requests": Counter(s.family for s in log),
        "statuses": Counter(str(s.status) for s in log),
        "http_seconds": sum(s.seconds for s in log),
        "queries": dict(counter.counts),
        "query_seconds": dict(counter.seconds),
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
        "heap_peak_mb": heap_peak() if heap_peak else None,
    }


# --- the report ------------------------------------------------------------------------------


def minimum(state: dict, phase: str) -> int:
    """The people list, cost codes and timesheets per project, then the writes: ceil(cards per
    project / BULK_SIZE) bulk creates, none when nothing changed, one per changed card."""
    from apps.procore_sync.time_export.timesheets import BULK_SIZE

    projects = len(state["projects"])
    if phase == "again":
        return 0
    reads = 1 + 2 * projects
    if phase == "edit":
        return reads + sum(state["edits"].values())
    per_project = math.ceil(state["cards"] / projects)
    return reads + projects * math.ceil(per_project / BULK_SIZE)


def report(bench, args, state: dict, results: dict, checks: dict, elapsed: float) -> None:
    from apps.procore_sync.time_export.timesheets import BULK_SIZE

    print(
        f"time_export: {state['cards']:,} approved time cards ({state['employees']} employees x "
        f"{state['days']} days) over {len(state['projects'])} Procore projects, bulk creates of "
        f"{BULK_SIZE}; sandbox on gunicorn ({stack.SERVER_WORKERS} workers, loopback); each "
        "phase in its own process"
    )
    print(
        f"  seed: {bench.notes[0]} ({bench.seed_seconds:.1f}s); Trestle side set up in "
        f"{state['setup_seconds']:.1f}s ({state['cards_seconds']:.1f}s for the cards, "
        f"{state['cost_codes']} cost codes)"
    )
    titles = {
        "export": "1. Export now, 50 days, nothing in Procore yet",
        "again": "2. the same export, nothing changed",
        "edit": f"3. after {EDITED} edits, {REJECTED} rejections and {DELETED} deletions",
    }
    for phase, title in titles.items():
        r, c = results[phase], checks[phase]
        total, least = sum(r["requests"].values()), minimum(state, phase)
        print(f"\n== {title}")
        run = r["run"]
        error = f" - {run['error']}" if run["error"] else ""
        print(f"  run: {run['status']}{error} {json.dumps(run['counts'], sort_keys=True)}")
        rate = state["cards"] / r["seconds"]
        print(
            f"  wall {r['seconds']:.1f}s, {rate:,.0f} cards/s; peak RSS {r['rss_peak_mb']:.0f} "
            f"MB (+{r['rss_growth_mb']:.0f} MB over the start)"
        )
        statuses = ", ".join(
            f"{k if k != '0' else 'no answer'}: {v}" for k, v in sorted(r["statuses"].items())
        )
        ratio = f"{total / least:.2f}x" if least else "-"
        print(
            f"  Procore requests: {total:,} (minimum {least:,}; {ratio}) - answers "
            f"{statuses or 'none'}"
        )
        for family, n in sorted(r["requests"].items(), key=lambda x: (-x[1], x[0])):
            print(f"    {n:>5,}  {family}")
        sql, sql_seconds = sum(r["queries"].values()), sum(r["query_seconds"].values())
        print(
            f"  time: {r['http_seconds']:.1f}s waiting for Procore, {sql_seconds:.1f}s in SQL, "
            f"{r['seconds'] - r['http_seconds'] - sql_seconds:.1f}s other Python"
        )
        print(f"  SQL statements: {sql:,} ({sql / state['cards']:.3f} per card)")
        for label in sorted(r["queries"]):
            print(f"    {label:34}{r['queries'][label]:>7,}{r['query_seconds'][label]:>7.1f}s")
        print(
            f"  sandbox check: {c['live']:,} live entries for {c['approved']:,} approved cards, "
            f"{c['duplicates']} duplicate origin_ids; hours Procore {c['hours_procore']} vs "
            f"Trestle {c['hours_trestle']}; {c['person_days_wrong']} of {c['person_days']:,} "
            "person-days differ"
        )
    print(f"\ntotal wall time {elapsed:.0f}s")


def summary(state: dict, phase: str, result: dict) -> dict:
    """One phase's figures for the last line."""
    heap = result.get("heap_peak_mb")
    return {
        "peak_mb": round(heap, 1) if heap is not None else None,
        "rss_growth_mb": round(result["rss_growth_mb"], 1),
        "requests": sum(result["requests"].values()),
        "min_requests": minimum(state, phase),
        "seconds": round(result["seconds"], 1),
    }


def growth(summaries: dict) -> dict:
    """MB more per 10,000 cards between the smallest and the largest size (null with one)."""
    if len(summaries) < 2:
        return {"growth_mb_per_10000": None, "rss_growth_mb_per_10000": None}
    low, high = min(summaries, key=int), max(summaries, key=int)
    scale = (int(high) - int(low)) / 10_000
    peaks = summaries[low]["peak_mb"], summaries[high]["peak_mb"]
    rss = summaries[low]["rss_growth_mb"], summaries[high]["rss_growth_mb"]
    return {
        "growth_mb_per_10000": None if None in peaks else round((peaks[1] - peaks[0]) / scale, 2),
        "rss_growth_mb_per_10000": round((rss[1] - rss[0]) / scale, 2),
    }


def size_report(state: dict, result: dict, check: dict) -> None:
    """One size of `--cards`: the export's requests, time and memory, and the sandbox check."""
    total, least = sum(result["requests"].values()), minimum(state, "export")
    run, heap = result["run"], result["heap_peak_mb"]
    traced = f", tracemalloc peak {heap:.1f} MB" if heap is not None else ""
    print(
        f"\n== export of {state['cards']:,} new cards ({state['employees']} employees x "
        f"{state['days']} days, {len(state['projects'])} projects)"
    )
    print(f"  run: {run['status']} {json.dumps(run['counts'], sort_keys=True)}")
    print(
        f"  {result['seconds']:.1f}s; Procore requests {total:,} (minimum {least:,}); peak RSS "
        f"{result['rss_peak_mb']:.0f} MB (+{result['rss_growth_mb']:.1f} MB over the start)"
        f"{traced}"
    )
    print(
        f"  sandbox check: {check['live']:,} live entries for {check['approved']:,} approved "
        f"cards, {check['duplicates']} duplicate origin_ids, {check['person_days_wrong']} of "
        f"{check['person_days']:,} person-days differ"
    )


if __name__ == "__main__":
    main()
