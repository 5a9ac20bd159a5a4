"""AP import: 500 approved Procore invoices with 3 PDF attachments each into Trestle's AP queue.

The sandbox is seeded small (`procore_sandbox_seed --employees 10 --projects 1`), then given, as
tests/ap_import/conftest.py does, a Procore project with a subcontract and a purchase order of
one vendor, and N requisitions on them (every 20th approved as noted, the rest approved; every
10th on the purchase order), each with M attachments: blank PDFs of 1 or 2 pages, written in
bulk with the seed's own Builder and dated an hour back (so a run's cursor skips them). Trestle
gets the project mapped, the vendor linked as the vendor import links it, and the office's
Procore invoices going to a "Procore" queue (`ap_import: auto_queue`). Served by gunicorn on a
loopback port. Each phase runs in a fresh child process so its peak memory is its own:

1. import: the flow "ap_import" (`run_queue` + `engine.run_execute`), nothing in Trestle yet;
   then its floor: the same list pages with `requests.get` + `json.loads`, every attachment
   downloaded (as many invoices at a time as Trestle's download pool, `AP_IMPORT_DOWNLOADS`) and
   combined with pypdf, the PDF written to disk, invoices and lines written with COPY (another
   office);
2. again: the same run as the schedule makes it, nothing changed (its cursor lists nothing);
3. full: a full re-read (`full`, as "Retry failed" does): every invoice listed and skipped;
   floor: the same pages fetched and parsed;
4. changed: 50 invoices changed in Procore while nobody processed them in Trestle (new amount
   and number, their first attachment one page longer), the scheduled run again.

After each phase Trestle's invoices are read back against the sandbox: one per requisition,
each document's pages (counted in the stored PDF and in `document_pages`) equal to the sum of
its attachments' pages, number, amount and status as in Procore. Printed per phase: Procore
requests by method and path, and the minimum (the 2 commitment lists, ceil(Total/Per-Page)
pages of each status's list, and one download per attachment of each invoice that needs its
document built), invoices/s, SQL statements per invoice, peak RSS, and ratios to the floor.
Figures are printed as measured; nothing is asserted. `--profile` adds a cProfile of each run.

    .venv/bin/python bench/ap_import.py [--invoices 500] [--attachments 3] [--changed 50]
        [--downloads N]

The last line is one JSON object: the first import's requests, time, floor and ratio, SQL per
invoice and download threads, and the duplicates and missing invoices of all phases.
"""

import argparse
import json
import os
import re
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from benchkit import meters, stack

PHASES = ["import", "import-floor", "again", "full", "full-floor", "changed"]
PHASE_TIMEOUT = 900
PROJECT, VENDOR = "Bench Plaza", "Bench Drywall"
AS_NOTED_EVERY, PURCHASE_ORDER_EVERY = 20, 10


# --- parent: the stack, the data, the phases, the checks, the report -----------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=3, help="PDFs per invoice")
    parser.add_argument("--changed", type=int, default=50, help="invoices changed in phase 4")
    parser.add_argument("--profile", action="store_true", help="cProfile the runs")
    parser.add_argument("--downloads", type=int, help="AP_IMPORT_DOWNLOADS (default: the setting)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, Path(args.state))
    if args.downloads is not None:  # the children and the server inherit it
        os.environ["AP_IMPORT_DOWNLOADS"] = str(args.downloads)
    seed = ["--employees", "10", "--projects", "1", "--vendors", "2", "--sub-jobs", "1"]
    started = time.monotonic()
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        state = prepare(args)
        results, checks = {}, {}
        for phase in PHASES:
            if phase == "changed":
                state["changed"] = change_invoices(state, args.changed)
            stack.analyze()
            state_file = bench.run_dir / "state.json"
            state_file.write_text(json.dumps(state, default=str))
            results[phase] = stack.run_phase(bench, __file__, phase, state_file, PHASE_TIMEOUT)
            if not phase.endswith("-floor"):
                checks[phase] = check_books(state)
        report(bench, args, state, results, checks, time.monotonic() - started)


def prepare(args) -> dict:
    from benchkit.office import sandbox_token

    from apps.procore_sync.ap_import.downloads import pool_size

    with meters.Stopwatch() as watch:
        state = procore_create(args.invoices, args.attachments)
        stack.sandbox_backdate()
    state["procore_seconds"] = watch.seconds
    state |= books_create(state)
    state |= {"floor_token": sandbox_token().access_token, "profile": args.profile}
    state |= {"invoices": args.invoices, "attachments": args.attachments}
    state["concurrency"] = max(pool_size(), 1)  # Trestle's download threads; the floor's too
    return state


def pdf(pages: int, title: str) -> bytes:
    """A small valid PDF of blank pages, titled so that no two files are alike."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def procore_create(invoices: int, attachments: int) -> dict:
    """Procore's side, written in bulk with the seed's Builder (as the seed writes its own)."""
    import random

    from benchkit.office import demo_company

    from apps.procore_sandbox import seed

    build = seed.Builder(demo_company(), random.Random(8))
    project = build.add("projects", {"name": PROJECT, "project_number": "AP-1", "active": True})
    vendor = build.add("vendors", {"name": VENDOR, "is_active": True})
    contracts = {
        "work_order_contracts": ("SC-001", "Drywall", "2500000.00"),
        "purchase_order_contracts": ("PO-001", "Board", "400000.00"),
    }
    subcontract, purchase_order = (
        build.add(resource, {"number": number, "title": title, "grand_total": total}
                  | {"status": "Approved", "executed": True, "vendor_id": vendor},
                  project_id=project)
        for resource, (number, title, total) in contracts.items()
    )  # fmt: skip
    sizes = Counter()
    for n in range(1, invoices + 1):
        on_po = n % PURCHASE_ORDER_EVERY == 0
        data = requisition_json(n, vendor, purchase_order if on_po else subcontract, on_po)
        sizes += invoice_add(build, project, data, attachments)
    build.flush()
    return {
        "procore_project": project,
        "procore_vendor": vendor,
        "procore_commitments": [subcontract, purchase_order],
        "attachment_pages": sizes["pages"],
        "attachment_bytes": sizes["bytes"],
    }


def invoice_add(build, project: int, data: dict, attachments: int) -> Counter:
    """One requisition with its PDFs of 1 or 2 pages, listed in it as Procore lists them."""
    from apps.procore_sandbox.generic import attachment_json
    from apps.procore_sandbox.models import SandboxAttachment

    requisition, number, sizes, files = build.next_id(), data["invoice_number"], Counter(), []
    for k in range(1, attachments + 1):
        pages = 1 + (data["number"] + k) % 2
        content = pdf(pages, f"{number} page set {k}")
        sizes.update(pages=pages, bytes=len(content))
        files.append(
            SandboxAttachment(id=build.next_id(), record_id=requisition,
                              filename=f"{number}-{k}.pdf", content_type="application/pdf",
                              content=content)
        )  # fmt: skip
    build.attachments += files
    data["attachments"] = [attachment_json(a) for a in files]
    build.put(requisition, "requisitions", data, project_id=project)
    return sizes


def requisition_json(n: int, vendor: int, commitment: int, on_po: bool) -> dict:
    from datetime import date, timedelta

    start = date(2026, 1, 1) + timedelta(days=n % 300)
    claimed = Decimal(1000 + (n * 37) % 9000)
    return {
        "number": n,
        "invoice_number": f"INV-{n:04d}",
        "status": "approved_as_noted" if n % AS_NOTED_EVERY == 0 else "approved",
        "commitment_id": commitment,
        "commitment_type": "PurchaseOrderContract" if on_po else "WorkOrderContract",
        "vendor_id": vendor,
        "vendor_name": VENDOR,
        "contract_name": f"{VENDOR} {'PO' if on_po else 'SC'}",
        "billing_date": (start + timedelta(days=29)).isoformat(),
        "requisition_start": start.isoformat(),
        "requisition_end": (start + timedelta(days=29)).isoformat(),
        "total_claimed_amount": f"{claimed:.2f}",
        "summary": {
            "total_retainage": f"{claimed / 10:.2f}",
            "current_payment_due": f"{claimed - claimed / 10:.2f}",
        },
    }


def books_create(state: dict) -> dict:
    """Trestle's side: the project mapped, the vendor linked, imports queued in "Procore"."""
    from benchkit.office import connected_office, link, office_create, owner_create

    from apps.ap_invoices.models import ApQueue, Vendor
    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.project_mapping import project_map
    from apps.projects.models import Project

    office, connection = connected_office("Bench AP Import")
    user = owner_create(office.account, "owner@bench-ap-import.test")
    project = Project.objects.create(office=office, number="AP-1", name=PROJECT)
    remote = {"id": state["procore_project"], "name": PROJECT}
    project_map(project=project, procore_project=remote, user=user)
    vendor = Vendor.objects.create(office=office, name=VENDOR)
    link(office, [vendor], "vendor", [state["procore_vendor"]])
    queue = ApQueue.objects.create(office=office, name="Procore")
    SyncSettings.objects.filter(office=office).update(
        options={"ap_import": "auto_queue", "ap_queue_id": queue.pk}, flows={"ap_invoices": True}
    )
    return {
        "office": office.pk,
        "user": user.pk,
        "company": connection.company_id,
        "project": project.pk,
        "vendor": vendor.pk,
        "queue": queue.pk,
        "floor_office": office_create("Bench AP Floor").pk,
    }


def change_invoices(state: dict, count: int) -> dict:
    """`count` requisitions, spread out, get a new amount and number in Procore (updated_at
    moves), and their first attachment one page more."""
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxAttachment, SandboxRecord

    records = list(
        SandboxRecord.objects.filter(
            resource="requisitions", project_id=state["procore_project"]
        ).order_by("id")
    )
    chosen = records[:: max(len(records) // count, 1)][:count]
    with meters.Stopwatch() as watch:
        for record in chosen:
            claimed = Decimal(record.data["total_claimed_amount"]) + Decimal("250.00")
            number = record.data["invoice_number"] + "-R"
            changes = {"total_claimed_amount": f"{claimed:.2f}", "invoice_number": number}
            store.record_update(record, changes)
            first = SandboxAttachment.objects.get(id=record.data["attachments"][0]["id"])
            first.content = pdf(3, f"{first.filename} revised")
            first.save(update_fields=["content"])
    return {"invoices": len(chosen), "seconds": watch.seconds}


def attachment_pages(requisitions: list[int]) -> Counter:
    """Pages of each requisition's attachments, counted in the PDFs the sandbox serves."""
    import io

    from pypdf import PdfReader

    from apps.procore_sandbox.models import SandboxAttachment

    pages = Counter()
    found = SandboxAttachment.objects.filter(record_id__in=requisitions)
    for record, content in found.values_list("record_id", "content"):
        pages[record] += len(PdfReader(io.BytesIO(bytes(content))).pages)
    return pages


def check_books(state: dict) -> dict:
    """Trestle's invoices against the sandbox's requisitions and their attachments."""
    from pypdf import PdfReader

    from apps.ap_invoices.models import ApInvoice, InvoiceStatus
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.ap_import.mapping import STATUSES

    found = SandboxRecord.objects.filter(
        resource="requisitions", project_id=state["procore_project"]
    )
    remote = {r.id: r.data for r in found}
    pages = attachment_pages(list(remote))
    invoices = list(ApInvoice.objects.filter(office_id=state["office"]))
    keys = Counter(i.procore_requisition_id for i in invoices)
    result = Counter(invoices=len(invoices), requisitions=len(remote))
    result["duplicates"] = sum(n - 1 for n in keys.values() if n > 1)
    result["missing"] = len(set(remote) - set(keys))
    for invoice in invoices:
        key = invoice.procore_requisition_id
        data, expected = remote[key], pages[key]
        with invoice.document.open("rb") as document:
            stored = len(PdfReader(document).pages)
        result["pages"] += stored
        result["stored_pages_wrong"] += stored != expected
        result["document_pages_wrong"] += invoice.document_pages != expected
        ours = (invoice.invoice_number, invoice.subtotal, invoice.procore_status)
        theirs = (data["invoice_number"], Decimal(data["total_claimed_amount"]),
                  STATUSES[data["status"]])  # fmt: skip
        result["fields_wrong"] += ours != theirs
        result["not_queued"] += invoice.status != InvoiceStatus.QUEUED
        result["as_noted"] += invoice.procore_status == STATUSES["approved_as_noted"]
    result["pages_expected"] = sum(pages.values())
    return dict(result)


# --- children: one phase each ---------------------------------------------------------------


def child(phase: str, state_file: Path) -> None:
    stack.django_setup()
    state = json.loads(state_file.read_text())
    folder = state_file.parent
    if phase.endswith("-floor"):
        result = run_floor(phase, state, folder)
    else:
        result = run_import(phase, state, folder)
    (folder / f"{phase}.json").write_text(json.dumps(result, default=str))


def instrument(counter: meters.QueryCounter) -> list[str]:
    """Label SQL and time by step. Measuring only: each wrapper calls the original unchanged.
    Names the flow no longer has are left out (returned, so the report says so)."""
    from apps.ap_invoices import services
    from apps.procore_sync import runs
    from apps.procore_sync.ap_import import flow, invoices

    steps = [
        (flow, "commitments_import", "commitments (lists + upserts)"),
        (flow, "existing_invoices", "invoice look-up (existing_invoices)"),
        # Downloads run in the pool's threads, which a label (one per process) cannot follow.
        (flow, "combine", "attachments combined (pypdf)"),
        (invoices.NewInvoices, "flush", "invoice write, new (NewInvoices.flush, in batches)"),
        (flow, "invoice_import", "invoice write, refresh (invoice_import)"),
        (invoices, "invoice_fields", "  vendor + commitment (invoice_fields)"),
        (services, "_save_lines", "  lines and totals (_save_lines)"),
        (services, "audit_record", "  audit entry (audit_record)"),
        (runs.RunRecorder, "add", "run items and row (RunRecorder)"),
    ]
    missing = []
    for owner, name, label in steps:
        if hasattr(owner, name):
            setattr(owner, name, counter.wrap(getattr(owner, name), label))
        else:
            missing.append(f"{getattr(owner, '__name__', owner)}.{name}")
    return missing


class Statements:
    """`connection.execute_wrapper` callable: how often each statement (its first 110
    characters, savepoint names folded) ran, the evidence for per-invoice queries."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def __call__(self, execute, sql, params, many, context):
        text = re.sub(r'"s\d+_x\d+"', '"<savepoint>"', " ".join(sql.split()))
        self.counts[text[:110]] += 1
        return execute(sql, params, many, context)


def run_import(phase: str, state: dict, folder: Path) -> dict:
    import cProfile

    from django.db import connection
    from django.db.models import Count

    from apps.accounts.models import User
    from apps.offices.models import Office
    from apps.procore_sync import engine
    from apps.procore_sync.engine_models import Trigger
    from apps.procore_sync.runs import run_queue

    counter, statements = meters.QueryCounter(), Statements()
    missing = instrument(counter)
    office = Office.objects.get(pk=state["office"])
    user = User.objects.get(pk=state["user"])
    params = {"full": True} if phase == "full" else {}
    profiler = cProfile.Profile() if state["profile"] else None
    with (
        meters.RssPeak() as rss,
        connection.execute_wrapper(counter),
        connection.execute_wrapper(statements),
        meters.Stopwatch() as watch,
        meters.labelled(phase),
    ):
        if profiler:
            profiler.enable()
        run = run_queue(office=office, flow="ap_import", trigger=Trigger.USER, user=user,
                        params=params, enqueue=lambda run_id: None)  # fmt: skip
        run = engine.run_execute(run.pk)
        if profiler:
            profiler.disable()
    log = [*meters.LOG.sent, *meters.LOG.failed]
    lists = [s for s in log if "/rest/" in s.path]  # the rest are attachment downloads
    downloads = [s for s in log if "/rest/" not in s.path]
    listed = {s.list_key(): s.total or 0 for s in lists if s.path.endswith("/requisitions")}
    (folder / f"{phase}-pages.json").write_text(json.dumps([s.url for s in lists]))
    outcomes = {}
    for entity, outcome, n in run.items.values_list("entity", "outcome").annotate(n=Count("id")):
        outcomes.setdefault(entity, {})[outcome] = n
    return {
        "seconds": watch.seconds,
        "run": {"id": run.pk, "status": run.status, "counts": run.counts, "error": run.error},
        "outcomes": outcomes,
        "requests": Counter(s.family for s in log),
        "statuses": Counter(str(s.status) for s in log),
        "list_minimum": meters.RequestLog(sent=lists).minimum_list_requests(),
        "listed": sum(listed.values()),
        "list_seconds": sum(s.seconds for s in lists),
        "download_seconds": sum(s.seconds for s in downloads),
        "queries": dict(counter.counts),
        "query_seconds": dict(counter.seconds),
        "wall": dict(counter.wall),
        "statements": statements.counts.most_common(16),
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
        "not_instrumented": missing,
        "profile": meters.profile_top(profiler, 40),
    }


def run_floor(phase: str, state: dict, folder: Path) -> dict:
    from benchkit import floor
    from benchkit.office import auth_headers

    headers = auth_headers(state["floor_token"], state["company"])
    urls = json.loads((folder / f"{phase.removesuffix('-floor')}-pages.json").read_text())
    combine = 0.0
    with meters.RssPeak() as rss, meters.Stopwatch() as watch:
        if phase == "import-floor":
            links = floor_links(state)
            dsn, media = stack.psycopg_dsn(), folder / "floor-media"
            invoices = floor.InvoiceFloor(
                dsn, state["floor_office"], links, headers, media, state["concurrency"]
            )
            result, combine = invoices.run(urls), invoices.seconds_combine
            result.statements += 1  # the links' look-up
        else:
            result = floor.replay_pages(urls, headers)
    return {
        "seconds": watch.seconds,
        "requests": result.requests,
        "records": result.records,
        "statements": result.statements,
        "seconds_http": result.seconds_http,
        "seconds_combine": combine,
        "written": dict(result.written),
        "rss_growth_mb": rss.growth_mb,
        "rss_peak_mb": rss.peak / 2**20,
    }


def floor_links(state: dict) -> dict:
    """The Trestle vendor and commitments of the Procore ones (one query), for the floor's rows."""
    from apps.procore_sync.engine_models import ExternalRef

    refs = ExternalRef.objects.filter(
        office_id=state["office"], procore_type__in=["vendor", "commitment"]
    ).values_list("procore_type", "procore_id", "object_id")
    links = {"vendor": {}, "commitment": {}}
    for procore_type, procore_id, object_id in refs:
        links[procore_type][str(procore_id)] = object_id
    return {
        "vendors": links["vendor"],
        "commitments": links["commitment"],
        "queue": state["queue"],
        "project": state["project"],
        "user": state["user"],
    }


# --- the report ------------------------------------------------------------------------------


def handled(r: dict) -> int:
    """Invoices the run went through (created, updated, skipped or failed)."""
    return sum(r["outcomes"].get("ap_invoices", {}).values())


def minimum(state: dict, phase: str, r: dict) -> int:
    """The lists the run must read, and one download per attachment of each invoice whose
    document must be built: all of them at first, the changed ones later, none otherwise."""
    built = {"import": state["invoices"], "changed": state.get("changed", {}).get("invoices", 0)}
    return r["list_minimum"] + built.get(phase, 0) * state["attachments"]


def report(bench, args, state: dict, results: dict, checks: dict, elapsed: float) -> None:
    print(f"ap_import: {state['invoices']:,} approved Procore invoices (every {AS_NOTED_EVERY}th "
          f"approved as noted, every {PURCHASE_ORDER_EVERY}th on the purchase order) x "
          f"{state['attachments']} PDF attachments ({state['attachment_pages']:,} pages, "
          f"{state['attachment_bytes'] / 1024:,.0f} KB) on one mapped project; sandbox on "
          f"gunicorn ({stack.SERVER_WORKERS} workers, loopback); each phase in its own "
          "process")  # fmt: skip
    print(f"  seed: {bench.notes[0]} ({bench.seed_seconds:.1f}s); the project, its subcontract "
          f"and purchase order, the invoices and attachments written in "
          f"{state['procore_seconds']:.1f}s and dated an hour back")  # fmt: skip
    print("  minimum requests: 2 commitment lists + ceil(Total/Per-Page) per status list "
          "(approved, approved_as_noted) + one download per attachment of each invoice whose "
          "document is built (new, or changed while unprocessed)")  # fmt: skip
    print("  floor: the run's own list URLs with requests.get + json.loads; for the import also "
          "each attachment downloaded, combined with pypdf, the PDF written to disk, and per list "
          "page one id-block query + COPY invoices + COPY lines (another office); statistics "
          "refreshed (ANALYZE) before each phase")  # fmt: skip
    changed = state.get("changed", {})
    titles = {
        "import": "1. import, nothing in Trestle yet",
        "again": "2. the scheduled run again, nothing changed (cursor)",
        "full": "3. a full re-read (as Retry failed runs it), nothing changed",
        "changed": f"4. after {changed.get('invoices', 0)} invoices changed in Procore while "
        f"unprocessed (new amount and number, first attachment one page longer; "
        f"{changed.get('seconds', 0):.1f}s), the scheduled run",
    }
    for phase, title in titles.items():
        print(f"\n== {title}")
        report_run(state, phase, results[phase])
        report_check(checks[phase])
        if f"{phase}-floor" in results:
            report_floor(results[phase], results[f"{phase}-floor"])
    summary(state, results, checks)
    print(f"\ntotal wall time {elapsed:.0f}s")
    print(json.dumps(figures(state, results, checks)))


def report_run(state: dict, phase: str, r: dict) -> None:
    run, seconds, invoices = r["run"], r["seconds"], handled(r)
    error = f" - {run['error']}" if run["error"] else ""
    outcomes = {k: json.dumps(v, sort_keys=True) for k, v in r["outcomes"].items()}
    print(f"  run: {run['status']}{error}; invoices {outcomes.get('ap_invoices', '{}')}, "
          f"commitments {outcomes.get('commitments', '{}')}; {r['listed']:,} invoices "
          "listed")  # fmt: skip
    rate = f"{invoices / seconds:,.1f} invoices/s" if invoices else "no invoice listed"
    print(f"  wall {seconds:.2f}s, {rate}; peak RSS {r['rss_peak_mb']:.0f} MB "
          f"(+{r['rss_growth_mb']:.0f} MB over the start)")  # fmt: skip
    total, least = sum(r["requests"].values()), minimum(state, phase, r)
    statuses = ", ".join(f"{k if k != '0' else 'no answer'}: {v}"
                         for k, v in sorted(r["statuses"].items()))  # fmt: skip
    print(f"  Procore requests: {total:,} (minimum {least:,}; {total / least:.2f}x) - answers "
          f"{statuses}")  # fmt: skip
    for family, n in sorted(r["requests"].items(), key=lambda x: (-x[1], x[0])):
        print(f"    {n:>5,}  {family}")
    combine = r["wall"].get("attachments combined (pypdf)", 0.0)
    sql, sql_seconds = sum(r["queries"].values()), sum(r["query_seconds"].values())
    print(f"  time: {r['list_seconds']:.1f}s lists, {r['download_seconds']:.1f}s downloads "
          f"(summed over {state['concurrency']} download threads, overlapping the rest), "
          f"{combine:.1f}s pypdf, {sql_seconds:.1f}s in SQL")  # fmt: skip
    per = f" ({sql / invoices:.1f} per invoice)" if invoices else ""
    print(f"  SQL statements: {sql:,}{per}; by step: statements, SQL time, time in the step")
    for label in sorted(set(r["queries"]) | set(r["wall"]), key=step_order):
        n = r["queries"].get(label, 0)
        each = f"{n / invoices:>6.1f}" if invoices else "      "
        print(f"    {label:48}{n:>7,}{each}{r['query_seconds'].get(label, 0):>7.1f}s"
              f"{r['wall'].get(label, 0):>7.1f}s")  # fmt: skip
    if invoices:
        print("  most run statements:")
        for sql_text, n in r["statements"]:
            print(f"    {n:>6,}  {sql_text}")
    if r["not_instrumented"]:
        print(f"  (not found to label: {', '.join(r['not_instrumented'])})")
    if r["profile"]:
        print("  cProfile of the run (top 40 by cumulative time):")
        print("    " + "\n    ".join(r["profile"].splitlines()[:75]))


def step_order(label: str) -> tuple:
    order = ["commitments", "invoice look-up", "attachments", "  of which", "invoice write",
             "  vendor", "  lines", "  audit", "run items", "other"]  # fmt: skip
    return next((n for n, p in enumerate(order) if label.startswith(p)), len(order)), label


def report_check(c: dict) -> None:
    print(f"  Trestle check: {c['invoices']:,} invoices for {c['requisitions']:,} requisitions "
          f"({c['missing']} missing, {c['duplicates']} duplicates, {c['as_noted']} approved as "
          f"noted, {c['not_queued']} not in the queue); {c['pages']:,} pages in the stored PDFs "
          f"for {c['pages_expected']:,} attachment pages, {c['stored_pages_wrong']} PDFs and "
          f"{c['document_pages_wrong']} document_pages unlike the sum of their attachments; "
          f"{c['fields_wrong']} number/amount/status unlike Procore's")  # fmt: skip


def report_floor(engine: dict, f: dict) -> None:
    write = f["seconds"] - f["seconds_http"] - f["seconds_combine"]
    print(f"  floor: {f['seconds']:.2f}s ({f['seconds_http']:.1f}s HTTP + json.loads, "
          f"{f['seconds_combine']:.1f}s pypdf, {write:.1f}s mapping, files and SQL), "
          f"{f['requests']:,} requests, {f['statements']} SQL statements, written "
          f"{f['written']}; peak RSS {f['rss_peak_mb']:.0f} MB (+{f['rss_growth_mb']:.0f} "
          "MB)")  # fmt: skip
    print(f"  engine/floor: time {engine['seconds'] / f['seconds']:.2f}x, peak RSS "
          f"{engine['rss_peak_mb'] / f['rss_peak_mb']:.2f}x")  # fmt: skip


def summary(state: dict, results: dict, checks: dict) -> None:
    print("\n== summary")
    for phase in ("import", "again", "full", "changed"):
        r, c = results[phase], checks[phase]
        total, least, invoices = sum(r["requests"].values()), minimum(state, phase, r), handled(r)
        rate = f"{invoices / r['seconds']:,.1f} invoices/s" if invoices else "0 invoices"
        sql = sum(r["queries"].values())
        per = f"{sql / invoices:.1f}" if invoices else "-"
        floor = results.get(f"{phase}-floor")
        ratio = f", {r['seconds'] / floor['seconds']:.2f}x the floor" if floor else ""
        print(f"  {phase:8}{total:>6,} requests ({total / least:.2f}x the minimum {least:,}), "
              f"{r['seconds']:.1f}s{ratio}, {rate}, {per} SQL/invoice, peak RSS "
              f"{r['rss_peak_mb']:.0f} MB; {c['invoices']:,} invoices, {c['duplicates']} "
              f"duplicates, {c['stored_pages_wrong']} PDFs with wrong pages")  # fmt: skip


def figures(state: dict, results: dict, checks: dict) -> dict:
    """The last line: the first import against its floor; checks summed over every phase."""
    r, f = results["import"], results["import-floor"]
    sql, invoices = sum(r["queries"].values()), handled(r)
    return {
        "invoices": state["invoices"],
        "attachments": state["invoices"] * state["attachments"],
        "requests": sum(r["requests"].values()),
        "min_requests": minimum(state, "import", r),
        "import_s": round(r["seconds"], 2),
        "floor_s": round(f["seconds"], 2),
        "ratio": round(r["seconds"] / f["seconds"], 2),
        "sql_per_invoice": round(sql / invoices, 2) if invoices else None,
        "concurrency": state["concurrency"],
        "duplicates": sum(c["duplicates"] for c in checks.values()),
        "missing": sum(c["missing"] for c in checks.values()),
    }


if __name__ == "__main__":
    main()
