"""Issue 18: long lists cost the same on page 50 as on page 1, at 100, 10,000 and 100,000 rows.

For each size, one office holds that many rows of each list (bulk-created with their joins:
employees, projects, sub-jobs, cost codes, time types, crews, vendors, queues, a sync run), and a
django.test.Client logged in as the account's owner renders, in this process (no server, no
network): page 1 of each list, then page 50 reached by following the pager's "next" link as a
user clicks it (only the 50th request is timed; a list with fewer pages stops at its last one).
Each timed page is the best of 3 GETs (`--repeat`), page 1 and page 50 alternated so a busy
moment of the machine hits both; statements and their SQL time are counted by an execute
wrapper. Each size is measured alone: the lists' tables are emptied before it is seeded. Prints
a table; the last line is one JSON object.

    .venv/bin/python bench/pages.py [--sizes 100,10000,100000] [--repeat 3]

The database is BENCH_DB_NAME (default trestle_bench; created, migrated and dropped here) and
the cache and broker REDIS_URL BENCH_REDIS_URL (default redis://127.0.0.1:6379/13).
"""

import argparse
import json
import re
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from functools import partial
from html import unescape
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit.stack import DB_NAME, PG_SERVER, bench_environ, django_setup, manage

PAGES = 50
LISTS = ["approvals", "entries", "ap_invoices", "cor_log", "sync_items"]
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
TABLES = [  # emptied before each size: each is measured alone in its tables
    "timecards_timecardentry", "ap_invoices_apinvoice", "cors_changeorderrequest",
    "procore_sync_syncitem", "procore_sync_syncrun",
]  # fmt: skip


def main() -> None:
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic for a bench
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", default="100,10000,100000", help="rows per list, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed GETs a page; the best counts")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    environ = bench_environ(0, Path(tempfile.mkdtemp(prefix="trestle-bench-pages-")))
    environ["PROCORE_SANDBOX_ENABLED"] = "0"  # pure Django: the lists need no Procore
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        import os

        os.environ.update(environ)
        manage(environ, "migrate", "--noinput", "-v0")
        django_setup()
        from django.conf import settings

        # not setup_test_environment(): its instrumented template rendering would add its own
        # cost to every option of the filters' selects
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        results = {size: measure_size(size, args.repeat) for size in sizes}
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    report(sizes, results)


def _admin(sql: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def measure_size(size: int, repeat: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    started = time.perf_counter()
    urls, user = seed(size)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {size:,} rows per list in {time.perf_counter() - started:.1f} s", flush=True)
    return {name: measure_list(user, url, repeat) for name, url in urls.items()}


# --- seeding ----------------------------------------------------------------------------------


def seed(size: int) -> tuple[dict[str, str], object]:
    """`size` rows of each list in one new office; the URL of each list and the owner."""
    from apps.accounts.models import Account, Membership, Role, User
    from apps.offices.models import Office

    name = f"Bench {size}"
    account = Account.objects.create(name=name)
    office = Office.objects.create(account=account, name=f"{name} HQ", city="Austin", state="TX")
    user = User.objects.create_user(f"owner-{size}@bench.test", "bench-password-1", full_name=name)
    Membership.objects.create(account=account, user=user, role=Role.OWNER)
    projects = _projects(office)
    run_id = _sync_items(office, size)
    _time_entries(office, projects, size)
    _invoices(office, projects, size)
    _cors(projects, size, user)
    urls = {"approvals": "/timecards/approvals/", "entries": "/timecards/",
            "ap_invoices": "/ap-invoices/", "cor_log": "/cors/",
            "sync_items": f"/sync/runs/{run_id}/"}  # fmt: skip
    return urls, user


def _projects(office) -> list:
    from apps.projects.models import CostCode, Project, SubJob

    projects = Project.objects.bulk_create(
        Project(office=office, number=f"{n + 1:03d}", name=f"Project {n + 1}") for n in range(20)
    )
    SubJob.objects.bulk_create(
        SubJob(office=office, project=p, code="005", name="Core") for p in projects
    )
    CostCode.objects.bulk_create(
        CostCode(office=office, code=f"{d:02d}-{n:03d}", name=f"Code {d}-{n}",
                 division_code=f"{d:02d}")
        for d in range(1, 11)
        for n in range(5)
    )  # fmt: skip
    return projects


def _time_entries(office, projects: list, size: int) -> None:
    """Submitted entries (so the approval queue holds all of them), 2 to 8 a day per employee."""
    from apps.projects.models import CostCode, SubJob
    from apps.timecards.models import Crew, Employee, TimeCardEntry, TimeType

    people = Employee.objects.bulk_create(
        Employee(office=office, employee_id=f"E{n}", first_name=f"First{n % 37}",
                 last_name=f"Last{n % 101:03d}")
        for n in range(max(10, size // 50))
    )  # fmt: skip
    codes = list(CostCode.objects.filter(office=office))
    sub_jobs = {s.project_id: s for s in SubJob.objects.filter(office=office)}
    types = TimeType.objects.bulk_create(
        TimeType(office=office, name=n, abbreviation=n[:2]) for n in ("Regular", "Overtime")
    )
    crews = Crew.objects.bulk_create(
        Crew(office=office, name=f"Crew {p.number}", project=p) for p in projects
    )
    first = date(2025, 1, 1)
    TimeCardEntry.objects.bulk_create(
        (
            TimeCardEntry(
                project=projects[n % 20], employee=people[n % len(people)],
                date=first + timedelta(days=n // (len(people) * 2)), hours=8, status="submitted",
                sub_job=sub_jobs[projects[n % 20].pk], cost_code=codes[n % len(codes)],
                time_type=types[n % 2], crew=crews[n % 20], description=f"Work {n}",
            )
            for n in range(size)
        ),
        batch_size=5000,
    )  # fmt: skip


def _invoices(office, projects: list, size: int) -> None:
    from django.utils import timezone

    from apps.ap_invoices.models import ApInvoice, ApQueue, Vendor

    vendors = Vendor.objects.bulk_create(
        Vendor(office=office, name=f"Vendor {n}") for n in range(200)
    )
    queues = ApQueue.objects.bulk_create(
        ApQueue(office=office, name=f"Queue {n}") for n in range(4)
    )
    now = timezone.now()
    ApInvoice.objects.bulk_create(
        (
            ApInvoice(
                office=office, queue=queues[n % 4], vendor=vendors[n % 200],
                project=projects[n % 20], invoice_number=f"INV-{n}", total=n % 9000,
                status=("queued", "in_review", "approved")[n % 3],
                created_at=now - timedelta(minutes=(size - n) // 3),  # 3 share each minute
            )
            for n in range(size)
        ),
        batch_size=5000,
    )  # fmt: skip


def _cors(projects: list, size: int, user) -> None:
    from django.utils import timezone

    from apps.cors.models import ChangeOrderRequest

    now = timezone.now()
    ChangeOrderRequest.objects.bulk_create(
        (
            ChangeOrderRequest(
                project=projects[n % 20], number=n // 20 + 1, title=f"Change {n}",
                status=("draft", "sent", "approved")[n % 3], total=n % 5000, created_by=user,
                created_at=now - timedelta(minutes=size - n),
            )
            for n in range(size)
        ),
        batch_size=5000,
    )  # fmt: skip


def _sync_items(office, size: int) -> int:
    from apps.procore_sync.engine_models import SyncItem, SyncRun

    run = SyncRun.objects.create(office=office, flow="entities", trigger="user", status="succeeded")
    outcomes = ("created", "updated", "failed", "skipped")
    SyncItem.objects.bulk_create(
        (
            SyncItem(run=run, entity="employees", direction="in", procore_id=n, label=f"Person {n}",
                     outcome=outcomes[n % 4], message="" if n % 4 != 2 else "Name is missing")
            for n in range(size)
        ),
        batch_size=5000,
    )  # fmt: skip
    return run.pk


# --- measuring --------------------------------------------------------------------------------


def measure_list(user, url: str, repeat: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    target, page = url, 1
    while page < PAGES:  # untimed: the clicks that reach page 50
        link = NEXT.search(client.get(target).content.decode())
        if not link:
            break
        target, page = url.split("?")[0] + unescape(link.group(1)), page + 1
    first, last = Timed(), Timed()
    for warm_up in (url, target):  # templates, sessions, the plan cache
        client.get(warm_up)
    for _ in range(repeat):  # alternated, so a busy moment of the machine hits both pages
        first.get(client, url)
        last.get(client, target)
    return {
        "p1_ms": first.ms, "p50_ms": last.ms, "p1_sql_ms": first.sql_ms,
        "p50_sql_ms": last.sql_ms, "p1_queries": first.queries, "p50_queries": last.queries,
        "p50_page": page, "p1_rows": first.rows, "p50_rows": last.rows,
    }  # fmt: skip


class Timed:
    """The best of several GETs of one page: wall time and, apart, SQL time; its statements."""

    def __init__(self) -> None:
        self.ms = self.sql_ms = float("inf")
        self.queries = self.rows = 0

    def get(self, client, url: str) -> None:
        from django.db import connection

        statements: list = []
        with connection.execute_wrapper(partial(_timed_statement, statements)):
            started = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        self.ms = round(min(self.ms, ms), 1)
        self.sql_ms = round(min(self.sql_ms, sum(statements) * 1000), 1)
        self.queries = max(self.queries, len(statements))
        html = response.content.decode()
        self.rows = html.count("<tr") - html.count("<thead")  # each list is the page's one table


def _timed_statement(seconds: list, execute, sql, params, many, context):
    """An execute wrapper: each statement's time into `seconds` (CaptureQueriesContext loses
    them, as each request starts by emptying the connection's query log)."""
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        seconds.append(time.perf_counter() - started)


# --- the report -------------------------------------------------------------------------------


def report(sizes: list[int], results: dict) -> None:
    print(f"\n{'list':<12} {'rows':>8} | {'p1 ms':>7} {'p1 SQL':>7} {'p1 q':>5} | "
          f"{'p50 ms':>7} {'p50 SQL':>7} {'p50 q':>5} {'page':>5} | p50/p1")  # fmt: skip
    worst = 0.0
    for name in LISTS:
        for size in sizes:
            r = results[size][name]
            ratio = r["p50_ms"] / r["p1_ms"]
            if r["p50_page"] == PAGES:  # a list of fewer pages has no page 50 to compare
                worst = max(worst, ratio)
            print(f"{name:<12} {size:>8,} | {r['p1_ms']:>7.1f} {r['p1_sql_ms']:>7.1f} "
                  f"{r['p1_queries']:>5} | {r['p50_ms']:>7.1f} {r['p50_sql_ms']:>7.1f} "
                  f"{r['p50_queries']:>5} {r['p50_page']:>5} | {ratio:.2f}")  # fmt: skip
    pages = {name: {str(size): results[size][name] for size in sizes} for name in LISTS}
    print(json.dumps({"sizes": sizes, "pages": pages, "worst_p50_over_p1": round(worst, 2)}))


if __name__ == "__main__":
    main()
