"""Procore vs Trestle: 1% planted changes on each side of an office, found by one report.

The sandbox is seeded with 5,209 employees (company users, each mirrored as a person; every
25th inactive, so 5,000 are imported) and 2 projects (their cost codes, budget codes,
commitments and a few approved invoices); the seed's Builder adds approved requisitions (one
PDF each) until there are 300. Trestle gets a connected office and builds everything through
the product's own paths, so every record carries what its flow recorded at its last write
(fingerprints, links, pushed totals):

- the entities flow imports every entity: 5,000 employees linked with their fingerprints;
- 1,000 CORs (cor_create, 3 lines) pushed in 4 pushes of 250 (push_queue + run_execute);
- 5,000 approved time cards (bulk-created with their fingerprints, as the domain computes
  them) exported to timesheets ("Export now": time_export_queue + run_execute);
- 300 invoices imported by the ap_import flow (auto-routed, every line approved but for the
  1% left in review for Trestle's edits), a payment recorded on each approved one
  (payment_record) and written back by one ap_payments run (the signal's runs replaced).

Runs the domain signals queue on the way are kept, never handed to a worker; after the build
nothing is left pending. Then 1% of each population is changed on each side, spread evenly:
in Procore as a Procore user's edit leaves it (the sandbox's store and edits), in Trestle
through the services (cor_update, entry_update + entry_approve, invoice_update of an invoice
in review, payment_update, an employee saved as its page saves it) without running the sync
that would carry the change: the runs the signals queue are dropped, as if queueing had
failed. The report (reconcile_queue + run_execute) runs once, in a child process so its peak
memory is its own.

Counted: planted changes; found, those with at least one open Difference of that flow and
object id; false, open differences of a (flow, object id) not planted; requests sent and the
comparers' minimum (the run's counts); the report's wall time and the child's peak RSS. The
report then runs again, nothing changed, in another child: the same identities, each keeping
its first finding. The last line printed is one JSON object of the first report's figures.
Nothing is asserted.

    .venv/bin/python bench/reconcile.py [--scale 1.0]   # --scale 0.05: a quick small run
"""

import argparse
import json
import math
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from benchkit import meters, stack

PHASE_TIMEOUT = 1800
SIZES = {"cors": 1000, "cards": 5000, "invoices": 300, "employees": 5000}
SHARE = 0.01  # planted on each side, of each population
CORS_PER_PUSH, COR_LINES = 250, 3
CARD_DAYS, FIRST_DAY = 20, date(2026, 9, 1)
PAID_ON = date(2026, 10, 15)
INACTIVE_EVERY = 25  # the seed makes every 25th employee inactive; the import skips those
COST_TYPES = ["labor", "material", "equipment", "subcontract", "other"]
FLOWS = {  # the Differences' flow, and what its object_id is
    "cor_push": "COR",
    "time_export": "TimeCardEntry",
    "ap_import": "ApInvoice",
    "ap_payments": "ApPayment",
    "entities": "Employee",
}


# --- parent: the stack, the office, the plants, the report ------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, Path(args.state))
    sizes = {name: max(1, round(n * args.scale)) for name, n in SIZES.items()}
    seeded = math.ceil(sizes["employees"] * INACTIVE_EVERY / (INACTIVE_EVERY - 1))
    seed = ["--employees", str(seeded), "--projects", "2", "--vendors", "3"]
    seed += ["--sub-jobs", "1"]
    started = time.monotonic()
    with stack.bench_stack(*seed) as bench:
        stack.django_setup()
        queued = signals_kept()
        with meters.Stopwatch() as build_watch:
            state = build(sizes, queued)
        state["build_seconds"] = build_watch.seconds
        state["pending_after_build"] = pending_runs(state)
        with meters.Stopwatch() as plant_watch:
            state["planted"] = plant(state, queued)
        state["plant_seconds"] = plant_watch.seconds
        state["queued_by_plants"] = runs_dropped(queued)
        stack.analyze()
        state_file = bench.run_dir / "state.json"
        state_file.write_text(json.dumps(state, default=str))
        result = stack.run_phase(bench, __file__, "report", state_file, PHASE_TIMEOUT)
        figures = count(state, result)
        first = identities(state)
        again = stack.run_phase(bench, __file__, "again", state_file, PHASE_TIMEOUT)
        figures["again"] = again_compared(state, first, again)
        report(bench, state, result, figures, time.monotonic() - started)
    print(json.dumps(figures["summary"]))


def signals_kept() -> list[int]:
    """The runs the domain signals queue wait in this list (as the tests and contract.py do):
    the build executes what it needs itself; the plants' runs are never executed."""
    from apps.procore_sync import receivers

    queued: list[int] = []
    receivers.enqueue_run = queued.append
    return queued


def per_side(population: int) -> int:
    return max(1, round(population * SHARE))


def spread(objs: list, count: int, side: int) -> list:
    """`count` of `objs` evenly spread; side 0 and side 1 take interleaved, disjoint ones."""
    step = len(objs) / (2 * count)
    return [objs[int((2 * n + side) * step)] for n in range(count)]


def execute(run, label: str, runs: list) -> None:
    """Run a queued SyncRun here, as the worker would; its requests and their time noted."""
    from apps.procore_sync import engine

    with meters.labelled(label), meters.Stopwatch() as watch:
        run = engine.run_execute(run.pk)
    sent = [s for s in [*meters.LOG.sent, *meters.LOG.failed] if s.label == label]
    runs.append({"label": label, "id": run.pk, "flow": run.flow, "status": run.status,
                 "counts": run.counts, "error": run.error, "seconds": watch.seconds,
                 "requests": len(sent), "http_seconds": sum(s.seconds for s in sent)})  # fmt: skip
    error = f" - {run.error[:300]}" if run.error else ""
    print(f"    run {run.pk} {label}: {run.status}{error} {json.dumps(run.counts)}; "
          f"{len(sent)} requests, {watch.seconds:.1f}s ({sum(s.seconds for s in sent):.1f}s "
          "waiting for Procore)", flush=True)  # fmt: skip
    for item in run.items.filter(outcome="failed")[:3]:
        print(f"      failed {item.entity} {item.label[:60]}: {item.message[:200]}", flush=True)


# --- the build --------------------------------------------------------------------------------


def build(sizes: dict, queued: list[int]) -> dict:
    from benchkit.office import connected_office, owner_create

    from apps.ap_invoices.models import RoutingRule

    office, connection = connected_office("Bench Reconcile")
    user = owner_create(office.account, "owner@bench-reconcile.test")
    RoutingRule.objects.create(office=office, reviewer=user)
    state = {"office": office.pk, "user": user.pk, "company": connection.company_id}
    state |= {"sizes": sizes, "runs": [], "seconds": {}}
    settings_choose(office)
    steps = [
        ("procore invoices", lambda: requisitions_add(sizes["invoices"])),
        ("entities import", lambda: entities_import(state)),
        ("CORs pushed", lambda: cors_push(state, sizes["cors"])),
        ("cards exported", lambda: cards_export(state, sizes["cards"])),
        ("invoices imported", lambda: invoices_import(state)),
        ("payments written back", lambda: payments_write_back(state, queued)),
    ]
    for name, step in steps:
        with meters.Stopwatch() as watch:
            state[name] = step()
        state["seconds"][name] = watch.seconds
        print(f"  built: {name} in {watch.seconds:.1f}s", flush=True)
    return state


def settings_choose(office) -> None:
    """What the wizard saves: the seeded cost code list, time to timesheets on approval,
    invoices imported and routed, payments created in Procore."""
    from benchkit.office import demo_company

    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.wizard import FLOWS as SWITCHES

    code_list = SandboxRecord.objects.get(
        company=demo_company(), resource="standard_cost_code_lists"
    )
    off = ("manpower", "quantities")
    SyncSettings.objects.filter(office=office).update(
        cost_code_list_id=code_list.id,
        flows={name: name not in off for name in SWITCHES},
        options={"time_export": "timesheets", "time_trigger": "approved",
                 "ap_import": "auto_route"},
    )  # fmt: skip


def requisitions_add(total: int) -> dict:
    """Approved requisitions with one PDF each on the first seeded subcontract, until the company
    has `total` approved ones (the seed makes a few), written with the seed's Builder."""
    import random

    from benchkit.office import demo_company

    from apps.procore_sandbox import seed
    from apps.procore_sandbox.generic import attachment_json
    from apps.procore_sandbox.models import SandboxAttachment, SandboxRecord

    company = demo_company()
    live = SandboxRecord.objects.filter(company=company, deleted_at=None)
    approved = live.filter(resource="requisitions", data__status__in=["approved",
                           "approved_as_noted"]).count()  # fmt: skip
    first = live.filter(resource="requisitions").order_by("id").first()
    build = seed.Builder(company, random.Random(16))
    for n in range(1, total - approved + 1):
        data = {k: v for k, v in first.data.items() if k != "attachments"}
        claimed = Decimal(1000 + (n * 37) % 9000)
        data |= {"number": 100 + n, "invoice_number": f"BR-{n:04d}", "status": "approved",
                 "total_claimed_amount": f"{claimed:.2f}",
                 "summary": {"total_retainage": f"{claimed / 10:.2f}",
                             "current_payment_due": f"{claimed - claimed / 10:.2f}"}}  # fmt: skip
        requisition, attachment = build.next_id(), build.next_id()
        file = SandboxAttachment(
            id=attachment,
            record_id=requisition,
            content=seed.invoice_pdf(data["invoice_number"]),
            filename=f"BR-{n:04d}.pdf",
            content_type="application/pdf",
        )
        build.attachments.append(file)
        data["attachments"] = [attachment_json(file)]
        build.put(requisition, "requisitions", data, project_id=first.project_id)
    build.flush()
    return {"seeded": approved, "added": max(total - approved, 0)}


def entities_import(state: dict) -> dict:
    """The entities flow over every entity, as the wizard's first import runs it."""
    from apps.offices.models import Office
    from apps.procore_sync.entities import ENTITIES
    from apps.procore_sync.runs import run_queue

    office = Office.objects.get(pk=state["office"])
    run = run_queue(office=office, flow="entities", trigger="user",
                    params={"entities": list(ENTITIES)}, enqueue=lambda _: None)  # fmt: skip
    execute(run, "entities import", state["runs"])
    return state["runs"][-1]["counts"]


def linked(office_id: int, model, procore_type: str) -> dict[int, int]:
    """Local pk -> Procore id of the office's records of `model` the flows linked."""
    from django.contrib.contenttypes.models import ContentType

    from apps.procore_sync.engine_models import ExternalRef

    refs = ExternalRef.objects.filter(
        office_id=office_id,
        content_type=ContentType.objects.get_for_model(model),
        procore_type=procore_type,
        procore_id__isnull=False,
    )
    return dict(refs.values_list("object_id", "procore_id"))


def mapped_projects(state: dict) -> list:
    """The imported Trestle projects linked to the seeded Procore ones, in Procore's order."""
    from apps.projects.models import Project

    projects = linked(state["office"], Project, "project")
    ordered = sorted(projects, key=projects.get)
    return [Project.objects.get(pk=pk) for pk in ordered]


def cors_push(state: dict, count: int) -> dict:
    """CORs on the first project, made with cor_create, pushed CORS_PER_PUSH at a time, each
    push into a new Change Event on the project's first subcontract."""
    from benchkit.office import demo_company

    from apps.accounts.models import User
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.cor_push.options import PushOptions
    from apps.procore_sync.cor_push.services import push_queue
    from apps.procore_sync.engine_models import ExternalRef

    project = mapped_projects(state)[0]
    remote = ExternalRef.objects.get(office_id=state["office"], procore_type="project",
                                     object_id=project.pk).procore_id  # fmt: skip
    live = SandboxRecord.objects.filter(company=demo_company(), project_id=remote, deleted_at=None)
    commitment = live.filter(resource="work_order_contracts").order_by("id").first().id
    flat = set(live.filter(resource="wbs_codes").values_list("data__flat_code", flat=True))
    user = User.objects.get(pk=state["user"])
    with meters.Stopwatch() as watch:
        cors = cors_create(project, user, count, {f.rsplit(".", 1)[0] for f in flat})
    for start in range(0, len(cors), CORS_PER_PUSH):
        options = PushOptions.from_params(
            {"title": f"Bench changes {start // CORS_PER_PUSH + 1}",
             "contract": {"type": "commitment", "id": commitment}}
        )  # fmt: skip
        run = push_queue(project=project, cors=cors[start : start + CORS_PER_PUSH],
                         options=options, user=user, enqueue=lambda _: None)  # fmt: skip
        execute(run, f"push {start // CORS_PER_PUSH + 1}", state["runs"])
    return {"project": project.pk, "cors": len(cors), "create_seconds": watch.seconds}


def cors_create(project, user, count: int, codes: set[str]) -> list:
    """CORs of COR_LINES lines, cost codes and types mixed (every line has a budget code), a
    labor line marked up."""
    from apps.cors.services import Line, cor_create
    from apps.projects.models import CostCode

    cost_codes = list(CostCode.objects.filter(office=project.office, code__in=codes)
                      .order_by("code"))  # fmt: skip
    cors = []
    for n in range(count):
        lines = []
        for i in range(COR_LINES):
            cost_type = COST_TYPES[(n + i) % len(COST_TYPES)]
            lines.append(Line(
                description=f"Item {i + 1}: {cost_type}", cost_type=cost_type,
                quantity=Decimal(1 + (n + i) % 7),
                unit_cost=Decimal(f"{25 + (n * 7 + i * 13) % 400}.50"),
                markup_percent=Decimal("10") if cost_type == "labor" else Decimal("0"),
                unit="HR" if cost_type == "labor" else "EA",
                cost_code=cost_codes[(n + 3 * i) % len(cost_codes)],
            ))  # fmt: skip
        cors.append(cor_create(project=project, user=user, title=f"Change {n + 1}", lines=lines))
    return cors


def cards_export(state: dict, count: int) -> dict:
    """Approved cards of the imported employees over the 2 projects, CARD_DAYS days each,
    then "Export now" of those days to timesheets."""
    from apps.accounts.models import User
    from apps.offices.models import Office
    from apps.procore_sync.time_export.services import time_export_queue
    from apps.timecards.models import Employee

    employees = linked(state["office"], Employee, "company_user")
    chosen = list(Employee.objects.filter(pk__in=employees).order_by("pk"))
    chosen = chosen[: math.ceil(count / CARD_DAYS)]
    with meters.Stopwatch() as watch:
        made = cards_create(state, chosen, count)
    office, user = Office.objects.get(pk=state["office"]), User.objects.get(pk=state["user"])
    end = FIRST_DAY + timedelta(days=CARD_DAYS - 1)
    run = time_export_queue(office=office, user=user, start=FIRST_DAY, end=end,
                            enqueue=lambda _: None)  # fmt: skip
    execute(run, "Export now", state["runs"])
    return {"cards": made, "employees": len(chosen), "create_seconds": watch.seconds}


def cards_create(state: dict, employees: list, count: int) -> int:
    """Approved cards, hours 6.00 to 10.00 in quarters, written with their fingerprints as the
    domain computes them (as bench/time_export.py and tests/time_export write them)."""
    from apps.projects.models import CostCode
    from apps.timecards.fingerprint import entry_fingerprint
    from apps.timecards.models import EntryStatus, TimeCardEntry, TimeType

    projects = mapped_projects(state)
    codes = list(CostCode.objects.filter(office_id=state["office"]).order_by("code"))
    regular = TimeType.objects.get(office_id=state["office"], name="Regular Time")
    cards = []
    for n in range(count):
        employee, day = employees[n // CARD_DAYS], n % CARD_DAYS
        card = TimeCardEntry(
            project=projects[(n // CARD_DAYS) % len(projects)], employee=employee,
            date=FIRST_DAY + timedelta(days=day),
            hours=Decimal("6.00") + Decimal((n + day) % 17) / 4,
            cost_code=codes[n % len(codes)], time_type=regular, status=EntryStatus.APPROVED,
            description=f"Bench day {day + 1}",
        )  # fmt: skip
        card.fingerprint = entry_fingerprint(card)
        cards.append(card)
    TimeCardEntry.objects.bulk_create(cards, batch_size=2000)
    return len(cards)


def invoices_import(state: dict) -> dict:
    """The ap_import flow (routed to the owner), then every line approved by the owner, but for
    1% of the invoices, left in review: the services let only an unapproved invoice be edited,
    so those are the ones changed on Trestle's side (an office allowing imported edits)."""
    from apps.accounts.models import User
    from apps.ap_invoices.models import ApInvoice
    from apps.ap_invoices.services import review_line
    from apps.offices.models import Office
    from apps.procore_sync.runs import run_queue

    office, user = Office.objects.get(pk=state["office"]), User.objects.get(pk=state["user"])
    run = run_queue(office=office, flow="ap_import", trigger="user", user=user,
                    enqueue=lambda _: None)  # fmt: skip
    execute(run, "AP import", state["runs"])
    invoices = list(ApInvoice.objects.filter(office=office).prefetch_related("lines")
                    .order_by("pk"))  # fmt: skip
    held = {i.pk for i in spread(invoices, per_side(len(invoices)), 1)}
    statuses = Counter()
    for invoice in invoices:
        status = invoice.status
        if invoice.pk not in held:
            for line in invoice.lines.all():
                status = review_line(line=line, user=user, approve=True)
        statuses[status] += 1
    return {"invoices": len(invoices), "statuses": dict(statuses), "held": sorted(held)}


def payments_write_back(state: dict, queued: list[int]) -> dict:
    """A payment of half the total recorded on each approved invoice (payment_record). Each
    queues a write-back run through the signal; they are replaced by one ap_payments run of
    every payment (as the report's repair and Retry queue it), executed here."""
    from apps.accounts.models import User
    from apps.ap_invoices import payments
    from apps.ap_invoices.models import ApInvoice, InvoiceStatus
    from apps.offices.models import Office
    from apps.procore_sync.ap_payments.queueing import payments_queue
    from apps.procore_sync.engine_models import SyncRun

    office, user = Office.objects.get(pk=state["office"]), User.objects.get(pk=state["user"])
    invoices = ApInvoice.objects.filter(office=office, status=InvoiceStatus.APPROVED)
    recorded = []
    for n, invoice in enumerate(invoices.order_by("pk")):
        amount = (invoice.total / 2).quantize(Decimal("0.01"))
        recorded.append(payments.payment_record(invoice=invoice, date=PAID_ON, amount=amount,
                        method="check", reference=f"{3000 + n}", user=user).pk)  # fmt: skip
    signalled = len(queued)
    SyncRun.objects.filter(pk__in=queued, status="queued").delete()
    queued.clear()
    run = payments_queue(office=office, payment_ids=recorded, user=user, enqueue=lambda _: None)
    execute(run, "payments write-back", state["runs"])
    return {"payments": len(recorded), "signalled_runs_replaced": signalled}


def runs_dropped(queued: list[int]) -> dict[str, int]:
    """The runs the plants' signals queued are never handed to a worker: dropped, as if their
    queueing had failed, so the report sees the change not carried and no run about to carry
    it (a queued write-back makes a payment not yet meant to match). Returns them by flow."""
    from apps.procore_sync.engine_models import SyncRun

    runs = SyncRun.objects.filter(pk__in=queued, status="queued")
    flows = Counter(runs.values_list("flow", flat=True))
    runs.delete()
    queued.clear()
    return dict(flows)


def pending_runs(state: dict) -> int:
    from apps.procore_sync.engine_models import SyncRun

    pending = SyncRun.objects.filter(office_id=state["office"], status__in=["queued", "running"])
    return pending.count()


# --- the plants -------------------------------------------------------------------------------


def plant(state: dict, queued: list[int]) -> list[dict]:
    """1% of each population changed on each side; returns each plant (flow, side, object)."""
    from apps.accounts.models import User

    user = User.objects.get(pk=state["user"])
    planted = []
    for planter in (cors_plant, cards_plant, invoices_plant, payments_plant, employees_plant):
        with meters.Stopwatch() as watch:
            made = planter(state, user)
        print(f"  planted: {planter.__name__} {len(made)} in {watch.seconds:.1f}s", flush=True)
        planted += made
    return planted


def planted_one(flow: str, side: str, object_id: int, what: str) -> dict:
    return {"flow": flow, "side": side, "object_id": object_id, "what": what}


def cors_plant(state: dict, user) -> list[dict]:
    """Procore: one pushed line's unit cost raised in its Change Event (the sandbox's edit of a
    line, then its derived amounts). Trestle: the COR's first line 10.00 dearer (cor_update)."""
    from dataclasses import replace

    from apps.cors.services import Line, cor_update
    from apps.procore_sandbox import change_events, store
    from apps.procore_sandbox.models import SandboxRecord
    from apps.procore_sync.push_models import CorPush

    pushes = list(CorPush.objects.filter(office_id=state["office"]).select_related("cor")
                  .order_by("cor_id"))  # fmt: skip
    count, planted = per_side(len(pushes)), []
    for push in spread(pushes, count, 0):
        key = sorted(k for k in push.line_ids if k.startswith("line:"))[0]
        event = SandboxRecord.objects.get(id=push.change_event_id)
        line = next(x for x in event.data["change_event_line_items"]
                    if x["id"] == push.line_ids[key])  # fmt: skip
        cost = Decimal(str(line["estimated_cost_unit_cost"])) + Decimal("7")
        change = {"id": line["id"], "estimated_cost_unit_cost": float(cost)}
        store.record_update(event, {"change_event_line_items_attributes": [change]})
        change_events.derive(event)
        planted.append(planted_one("cor_push", "procore", push.cor_id, "line unit cost"))
    for push in spread(pushes, count, 1):
        cor = push.cor
        lines = [Line(description=x.description, cost_type=x.cost_type, quantity=x.quantity,
                      unit_cost=x.unit_cost, markup_percent=x.markup_percent, unit=x.unit,
                      cost_code=x.cost_code, id=x.pk)
                 for x in cor.lines.order_by("position")]  # fmt: skip
        lines[0] = replace(lines[0], unit_cost=lines[0].unit_cost + Decimal("10.00"))
        cor_update(cor=cor, user=user, lines=lines, title=cor.title)
        planted.append(planted_one("cor_push", "trestle", cor.pk, "line unit cost"))
    return planted


def cards_plant(state: dict, user) -> list[dict]:
    """Procore: an exported entry's hours one more (the sandbox's record edited). Trestle: the
    card's hours half an hour more (entry_update as approver, then entry_approve); the export
    its approval queues stays queued."""
    from apps.offices.models import Office
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord
    from apps.timecards.models import TimeCardEntry
    from apps.timecards.services import entry_approve, entry_update

    refs = linked(state["office"], TimeCardEntry, "timecard_entry")
    cards = list(TimeCardEntry.objects.filter(pk__in=refs).order_by("pk"))
    count, planted = per_side(len(cards)), []
    for card in spread(cards, count, 0):
        record = SandboxRecord.objects.get(id=refs[card.pk])
        hours = record.data["hours"]
        more = Decimal(str(hours)) + 1
        store.record_update(record, {"hours": str(more) if isinstance(hours, str) else float(more)})
        planted.append(planted_one("time_export", "procore", card.pk, "hours"))
    account = Office.objects.get(pk=state["office"]).account
    for card in spread(cards, count, 1):
        entry_update(entry=card, user=user, as_approver=True, hours=card.hours + Decimal("0.50"))
        entry_approve(account=account, entry_ids=[card.pk], user=user)
        planted.append(planted_one("time_export", "trestle", card.pk, "hours"))
    return planted


def invoices_plant(state: dict, user) -> list[dict]:
    """Procore: a paid invoice's requisition claims 250.00 more (the sandbox's record edited).
    Trestle: an invoice left in review gets its first line 500.00 less (invoice_update, imported
    edits allowed, as the office's setting allows them)."""
    from dataclasses import replace

    from apps.ap_invoices.models import ApInvoice
    from apps.ap_invoices.services import Line, invoice_update
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord

    invoices = list(ApInvoice.objects.filter(office_id=state["office"]).order_by("pk"))
    count, planted = per_side(len(invoices)), []
    for invoice in spread(invoices, count, 0):
        record = SandboxRecord.objects.get(id=invoice.procore_requisition_id)
        claimed = Decimal(record.data["total_claimed_amount"]) + Decimal("250.00")
        store.record_update(record, {"total_claimed_amount": f"{claimed:.2f}"})
        planted.append(planted_one("ap_import", "procore", invoice.pk, "amount"))
    for invoice in ApInvoice.objects.filter(pk__in=state["invoices imported"]["held"]):
        lines = [Line(description=x.description, amount=x.amount, retainage=x.retainage,
                      cost_code=x.cost_code, id=x.pk)
                 for x in invoice.lines.order_by("pk")]  # fmt: skip
        lines[0] = replace(lines[0], amount=lines[0].amount - Decimal("500.00"))
        invoice_update(invoice=invoice, user=user, lines=lines, allow_imported_edits=True)
        planted.append(planted_one("ap_import", "trestle", invoice.pk, "amount"))
    return planted


def payments_plant(state: dict, user) -> list[dict]:
    """Procore: the written-back payment's amount 10.00 less (the sandbox's record edited).
    Trestle: the payment 5.00 less (payment_update); its write-back run stays queued."""
    from apps.ap_invoices import payments
    from apps.ap_invoices.models import ApPayment
    from apps.procore_sandbox import store
    from apps.procore_sandbox.models import SandboxRecord

    refs = linked(state["office"], ApPayment, "contract_payment")
    paid = list(ApPayment.objects.filter(pk__in=refs).order_by("pk"))
    count, planted = per_side(len(paid)), []
    for payment in spread(paid, count, 0):
        record = SandboxRecord.objects.get(id=refs[payment.pk])
        amount = record.data["amount"]
        less = Decimal(str(amount)) - Decimal("10.00")
        store.record_update(record, {"amount": f"{less:.2f}" if isinstance(amount, str)
                                     else float(less)})  # fmt: skip
        planted.append(planted_one("ap_payments", "procore", payment.pk, "amount"))
    for payment in spread(paid, count, 1):
        payments.payment_update(payment=payment, date=payment.date, method=payment.method,
                                amount=payment.amount - Decimal("5.00"),
                                reference=payment.reference, user=user)  # fmt: skip
        planted.append(planted_one("ap_payments", "trestle", payment.pk, "amount"))
    return planted


def employees_plant(state: dict, user) -> list[dict]:
    """Procore: the company user's last name changed (the sandbox's employee edit, its person
    follows). Trestle: the employee's last name changed and saved, as its page saves it."""
    from benchkit.office import demo_company

    from apps.procore_sandbox import edits
    from apps.timecards.models import Employee

    refs = linked(state["office"], Employee, "company_user")
    employees = list(Employee.objects.filter(pk__in=refs).order_by("pk"))
    count, planted, company = per_side(len(employees)), [], demo_company()
    for employee in spread(employees, count, 0):
        edits.employee_update(company=company, user_id=refs[employee.pk],
                              last_name=f"{employee.last_name} Procore")  # fmt: skip
        planted.append(planted_one("entities", "procore", employee.pk, "last name"))
    for employee in spread(employees, count, 1):
        employee.last_name = f"{employee.last_name} Trestle"
        employee.save()
        planted.append(planted_one("entities", "trestle", employee.pk, "last name"))
    return planted


# --- the child: the report --------------------------------------------------------------------


def child(phase: str, state_file: Path) -> None:
    stack.django_setup()
    state = json.loads(state_file.read_text())
    result = report_run(state)
    (state_file.parent / f"{phase}.json").write_text(json.dumps(result, default=str))


def instrument(per_comparer: dict) -> None:
    """Each comparer's requests (labelled by its flow), least requests and time. Measuring
    only: every wrapper calls the comparer's own compare unchanged."""
    from dataclasses import replace

    from apps.procore_sync.reconcile import flow

    def wrapped(comparer):
        def compare(office, client):
            with meters.labelled(comparer.flow), meters.Stopwatch() as watch:
                result = comparer.compare(office, client)
            per_comparer[comparer.flow] = {"requests_min": result.requests_min,
                                           "seconds": watch.seconds,
                                           "differences": len(result.differences)}  # fmt: skip
            return result

        return replace(comparer, compare=compare)

    flow.COMPARERS = tuple(wrapped(c) for c in flow.COMPARERS)


def report_run(state: dict) -> dict:
    from apps.accounts.models import User
    from apps.offices.models import Office
    from apps.procore_sync import engine
    from apps.procore_sync.reconcile.services import reconcile_queue

    office, user = Office.objects.get(pk=state["office"]), User.objects.get(pk=state["user"])
    per_comparer: dict = {}
    instrument(per_comparer)
    with meters.RssPeak() as rss, meters.Stopwatch() as watch, meters.labelled("other"):
        run = reconcile_queue(office=office, user=user, enqueue=lambda _: None)
        run = engine.run_execute(run.pk)
    log = [*meters.LOG.sent, *meters.LOG.failed]
    for name, figures in per_comparer.items():
        figures["requests"] = sum(1 for s in log if s.label == name)
    failed = [
        {"entity": i.entity, "label": i.label, "message": i.message}
        for i in run.items.filter(outcome="failed")
    ]
    return {
        "run": run.pk,
        "status": run.status,
        "error": run.error,
        "counts": run.counts,
        "failed": failed,
        "seconds": watch.seconds,
        "requests": Counter(f"{s.label}: {s.family}" for s in log),
        "per_comparer": per_comparer,
        "rss_peak_mb": rss.peak / 2**20,
        "rss_growth_mb": rss.growth_mb,
    }


# --- counting and the report ------------------------------------------------------------------


def count(state: dict, result: dict) -> dict:
    """Planted changes found; open differences of objects not planted (false)."""
    from apps.procore_sync.reconcile_models import Difference

    open_ = list(Difference.objects.filter(office_id=state["office"], resolved_at__isnull=True)
                 .values("flow", "object_id", "field", "side", "message"))  # fmt: skip
    planted = {(p["flow"], p["object_id"]) for p in state["planted"]}
    sides: dict[tuple, set] = defaultdict(set)
    for d in open_:
        sides[d["flow"], d["object_id"]].add(d["side"])
    per_flow: dict[str, Counter] = defaultdict(Counter)
    fields: dict[str, Counter] = defaultdict(Counter)
    missed, false = [], []
    for p in state["planted"]:
        key = (p["flow"], p["object_id"])
        per_flow[p["flow"]]["planted"] += 1
        per_flow[p["flow"]]["found"] += key in sides
        per_flow[p["flow"]]["side_right"] += bool(sides[key] & {p["side"], "both"})
        if key not in sides:
            missed.append(p)
    for d in open_:
        fields[d["flow"]][d["field"], d["side"]] += 1
        if (d["flow"], d["object_id"]) not in planted:
            per_flow[d["flow"]]["false"] += 1
            false.append(d)
    counts = result["counts"]
    summary = {
        "planted": len(state["planted"]),
        "found": sum(c["found"] for c in per_flow.values()),
        "false": len(false),
        "requests": counts.get("requests", 0),
        "requests_min": counts.get("requests_min", 0),
        "seconds": round(result["seconds"], 1),
        "peak_rss_mb": round(result["rss_peak_mb"]),
    }
    return {"summary": summary, "per_flow": per_flow, "fields": fields, "missed": missed,
            "false": false, "open": len(open_)}  # fmt: skip


def identities(state: dict) -> dict[tuple, str]:
    """The open differences' identities and when each was first found."""
    from apps.procore_sync.reconcile_models import Difference

    found = Difference.objects.filter(office_id=state["office"], resolved_at__isnull=True)
    return {d.identity: d.first_found_at.isoformat() for d in found}


def again_compared(state: dict, first: dict[tuple, str], again: dict) -> dict:
    """The same report again, nothing changed: the same identities, each keeping its first
    finding (the nightly mail names only identities no earlier report had)."""
    second = identities(state)
    kept = sum(second.get(key) == found_at for key, found_at in first.items())
    return {
        "status": again["status"],
        "differences": len(second),
        "new": len(set(second) - set(first)),
        "gone": len(set(first) - set(second)),
        "first_found_kept": kept,
        "requests": again["counts"].get("requests", 0),
        "requests_min": again["counts"].get("requests_min", 0),
        "seconds": again["seconds"],
        "rss_peak_mb": again["rss_peak_mb"],
    }


def report(bench, state: dict, result: dict, figures: dict, elapsed: float) -> None:
    sizes = state["sizes"]
    print(f"\nreconcile: {sizes['cors']:,} pushed CORs ({COR_LINES} lines), {sizes['cards']:,} "
          f"exported time cards, {sizes['invoices']:,} imported invoices with payments, "
          f"{sizes['employees']:,} linked employees; {SHARE:.0%} of each planted on each side; "
          f"sandbox on gunicorn ({stack.SERVER_WORKERS} workers, loopback); the report in its "
          "own process")  # fmt: skip
    print(f"  seed: {bench.notes[0]} ({bench.seed_seconds:.1f}s); built in "
          f"{state['build_seconds']:.1f}s, planted in {state['plant_seconds']:.1f}s")  # fmt: skip
    for name, seconds in state["seconds"].items():
        print(f"    {name:24}{seconds:>7.1f}s  {json.dumps(state[name], default=str)}")
    for run in state["runs"]:
        error = f" - {run['error'][:200]}" if run["error"] else ""
        print(f"    run {run['id']} {run['label']}: {run['status']}{error} "
              f"{json.dumps(run['counts'], sort_keys=True)}; {run['requests']} requests, "
              f"{run['seconds']:.1f}s ({run['http_seconds']:.1f}s waiting for "
              "Procore)")  # fmt: skip
    print(f"  runs pending after the build: {state['pending_after_build']}; queued by the "
          f"plants' signals and dropped: {json.dumps(state['queued_by_plants'])}")  # fmt: skip
    error = f" - {result['error']}" if result["error"] else ""
    print(f"\n== report run {result['run']}: {result['status']}{error} "
          f"{json.dumps(result['counts'], sort_keys=True)}")  # fmt: skip
    print(f"  wall {result['seconds']:.1f}s; peak RSS {result['rss_peak_mb']:.0f} MB "
          f"(+{result['rss_growth_mb']:.0f} MB over the start)")  # fmt: skip
    for family, n in sorted(result["requests"].items(), key=lambda x: (-x[1], x[0])):
        print(f"    {n:>5,}  {family}")
    print(f"  {'comparer':14}{'requests':>9}{'minimum':>8}{'seconds':>8}{'found':>6}")
    for name, c in result["per_comparer"].items():
        print(
            f"  {name:14}{c['requests']:>9}{c['requests_min']:>8}{c['seconds']:>8.1f}"
            f"{c['differences']:>6}"
        )
    for item in result["failed"]:
        print(f"  failed item {item['entity']} {item['label']}: {item['message'][:300]}")
    print(f"\n  {'flow':14}{'planted':>8}{'found':>7}{'side ok':>8}{'false':>7}  differences "
          "by (field, side)")  # fmt: skip
    for flow in FLOWS:
        c, by_field = figures["per_flow"][flow], figures["fields"][flow]
        kinds = ", ".join(f"{f}/{s}: {n}" for (f, s), n in sorted(by_field.items())) or "-"
        print(f"  {flow:14}{c['planted']:>8}{c['found']:>7}{c['side_right']:>8}{c['false']:>7}  "
              f"{kinds}")  # fmt: skip
    print("  side ok: planted changes found with the side they were made on (or 'both')")
    others = set(figures["fields"]) - set(FLOWS)
    for flow in sorted(others):
        kinds = ", ".join(f"{f}/{s}: {n}" for (f, s), n in sorted(figures["fields"][flow].items()))
        print(f"  {flow:14}{'-':>8}{'-':>7}{figures['per_flow'][flow]['false']:>7}  {kinds}")
    missed = Counter((m["flow"], m["side"]) for m in figures["missed"])
    if missed:
        print("  not found: " + ", ".join(f"{f} {s}: {n}" for (f, s), n in sorted(missed.items())))
    for d in figures["false"][:10]:
        print(f"  false: {d['flow']} #{d['object_id']} {d['field']}/{d['side']}: "
              f"{d['message'][:200]}")  # fmt: skip
    a = figures["again"]
    print(f"\n== the report again, nothing changed: {a['status']}, {a['differences']} differences "
          f"({a['new']} new, {a['gone']} gone, {a['first_found_kept']} keep their first "
          f"finding); {a['requests']} requests (minimum {a['requests_min']}); wall "
          f"{a['seconds']:.1f}s; peak RSS {a['rss_peak_mb']:.0f} MB")  # fmt: skip
    print(f"\ntotal wall time {elapsed:.0f}s")


if __name__ == "__main__":
    main()
