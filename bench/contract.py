"""Contract: every Trestle flow once against the strict sandbox, each request Trestle sends
checked against Procore's published OAS subset (issue 15).

The sandbox answers 422 to any query parameter, body field or enum value the OAS subset does not
declare for the operation (`apps/procore_sandbox/contract.py`). This script drives each flow
Trestle has, once, on a small seeded company (`--employees 12 --projects 2 --vendors 3
--sub-jobs 2`, served by gunicorn on a loopback port), with `audit.recording(USER_AGENT)`
wrapping `requests.Session.send` in this process for the whole drive (it keeps the `/rest/`
requests that carry the client's User-Agent). Every flow's Procore client runs in this process:
runs are executed here (`run_queue` + `engine.run_execute`, no Celery worker; the runs the time
card and payment signals queue are kept and executed here too), and pages whose view calls
Procore are requested with `django.test.Client`. The steps:

1. connect: `connection_connect` with a token of the seeded login (consent page skipped), then
   the company page (GET lists the companies, POST chooses one and registers the webhooks) and
   the wizard's first step (lists the cost code lists, POST picks one), `settings_save` (records
   "both" ways for employees, projects, sub-jobs, cost codes and vendors, Procore to Trestle for
   the others; timesheets; invoices routed) and `wizard_finish`;
2. entities: the wizard's full import of every entity (work classifications, employees,
   projects, sub-jobs, cost codes, time types, crews, vendors, custom fields); then an edited
   employee, a new vendor, project, sub-job and cost code, and "Sync now" (an incremental run
   that exports them);
3. COR push: two CORs into a new Change Event (a commitment), one of them changed (a line
   repriced, one removed, one added) and pushed again into that event (PATCH with `wbs_code_id`),
   a third COR as a lump sum into another new event (the prime contract);
4. time: "Export now" of a day's approved cards to timesheets, then one edited and one rejected
   and again; the office switched to daily-log timecards (the switch's run withdraws those
   timesheet entries and publishes the day as daily-log timecards), a day of cards and quantities
   published (timecards, manpower, quantities), changed (hours, a card deleted, a quantity
   changed, one deleted) and published again;
5. AP: the AP import (approved invoices with their PDFs, routed), one invoice's lines approved
   and a payment recorded (the sandbox drops the answer to its POST once, so the write-back's
   look-up by origin_id runs: the only way that GET is sent), then edited (Procore's payment is
   replaced); an invoice approved in Procore afterwards, listed and pre-filled by the manual
   "Procore Import";
6. webhooks: eight sandbox changes (`edits.employee_update`, `project_update`, `vendor_update`,
   `change_event_status_set`; `store.record_create` of a sub-job, a standard cost code and a
   time type; `store.record_update` of a subcontract), one after the other, each delivered by the
   sandbox (`webhook_sender.deliver_due`) to Trestle's webhook URL on the gunicorn server, whose
   view records it as a pending change and queues a "webhook" run (one while it waits); the
   queued runs are then executed here;
7. disconnect: `connection_disconnect` (our hooks are listed and deleted, the grant revoked).

Figures (the JSON of the last line):
- operations: distinct "METHOD /template" of the recorded requests (`Sent.operation()`);
- requests: recorded requests, every one checked (`Sent.errors()`), repeats included;
- violations: recorded requests whose check found an error, each request counted;
- webhook_deliveries: sandbox deliveries (SandboxDelivery "delivered") whose event Trestle's
  webhook view recorded as a WebhookDelivery with outcome "sync" (matched by the event's ulid,
  Trestle's event key), i.e. a pending change, that a "webhook" run applied (state "applied");
  echoes of Trestle's own writes (outcome "echo of our own write") and duplicates are no
  change and are not counted.

The report before it: requests per step, each operation with its request count, every broken
rule with an example body, the operations Trestle's client can call (found statically: each
function of `procore_sync/client/resources.py`, its path literal or f-string matched with
`oas.match`) that no step exercised, with the Trestle code that calls each (or none), the runs,
the webhook deliveries by outcome, and a check that the server sent Procore nothing: the
sandbox's own count of REST requests (its hourly rate-limit windows) against the recorded ones.
Nothing is asserted.

    .venv/bin/python bench/contract.py
"""

import argparse
import ast
import contextlib
import importlib
import json
import re
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchkit import stack

SEED = ["--employees", "12", "--projects", "2", "--vendors", "3", "--sub-jobs", "2"]
TIMESHEET_DAY, DAILY_LOG_DAY = date(2026, 11, 16), date(2026, 11, 17)
EXPORTED = ("employees", "projects", "sub_jobs", "cost_codes", "vendors")  # both ways
DELIVERY_WAIT = 60  # seconds a change's webhook may take to reach Trestle
SETTLE_WAIT = 120  # seconds for every pending delivery (echoes included) before counting
RESOURCES_PY = stack.ROOT / "apps/procore_sync/client/resources.py"
FIGURES = ("operations", "requests", "violations", "webhook_deliveries")
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


# --- the drive: shared state, steps, runs ---------------------------------------------------


@dataclass
class Step:
    name: str
    first: int  # index of its first request in `Drive.sent`
    last: int = 0
    received: int | None = None  # REST requests the sandbox counted meanwhile (None: unknown)
    error: str = ""


@dataclass
class Drive:
    """What the steps share: the office, its owner, the sandbox company, what was recorded."""

    office: Any
    user: Any
    company: Any
    sent: list
    connection: Any = None
    runs: list = field(default_factory=list)  # (step, SyncRun) executed here
    queued: list[int] = field(default_factory=list)  # runs the domain signals queued
    steps: list[Step] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # the webhook step's sandbox changes

    def note(self, text: str) -> None:
        say(f"  {text}")

    def step(self, name: str, action: Callable[["Drive"], None]) -> None:
        say(f"{name} ...")
        before = sandbox_received()
        self.steps.append(Step(name, len(self.sent)))
        try:
            action(self)
        except Exception as exc:  # reported; the next steps still run
            self.steps[-1].error = f"{type(exc).__name__}: {exc}"
            say(f"  {name} stopped: {traceback.format_exc()}")
        after = sandbox_received()
        step = self.steps[-1]
        step.last = len(self.sent)
        step.received = after[1] - before[1] if after[0] == before[0] else None

    def execute(self, run) -> Any:
        """Run a queued SyncRun here, as the worker would, and note how it ended."""
        from apps.procore_sync.engine import run_execute

        run = run_execute(run.pk)
        self.runs.append((self.steps[-1].name, run))
        counts = ", ".join(f"{k} {v}" for k, v in sorted((run.counts or {}).items()))
        self.note(f"run {run.pk} {run.flow} ({run.trigger}): {run.status} [{counts}]")
        if run.error:
            self.note(f"  error: {run.error[:300]}")
        for item in run.items.filter(outcome="failed")[:5]:
            self.note(f"  failed {item.entity} {item.label[:60]}: {item.message[:200]}")
        return run

    def queue(self, flow: str, **params) -> Any:
        from apps.procore_sync.runs import run_queue

        return run_queue(
            office=self.office,
            flow=flow,
            trigger="user",
            user=self.user,
            params=params,
            enqueue=lambda run_id: None,
        )

    def work_queued(self) -> None:
        """Execute the runs the domain signals queued (time cards, payments)."""
        from apps.procore_sync.engine_models import SyncRun

        while self.queued:
            self.execute(SyncRun.objects.get(pk=self.queued.pop(0)))


def sandbox_received() -> tuple[int, int]:
    """(this hour's window, REST requests the sandbox counted in it for every token). The
    sandbox counts each API request in its hourly rate-limit window; a window is dropped when
    the next one opens, so a step that spans the hour cannot be compared."""
    from django.db.models import Sum

    from apps.procore_sandbox.models import SandboxRateWindow

    now = int(time.time())
    start = now - now % 3600
    rows = SandboxRateWindow.objects.filter(window="hour", start=start)
    return start, rows.aggregate(n=Sum("count"))["n"] or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    with stack.bench_stack(*SEED) as bench:
        stack.django_setup()
        from apps.procore_sandbox import audit
        from apps.procore_sync.client.http import USER_AGENT

        say(f"stack up: {bench.notes[0]} ({bench.seed_seconds:.1f}s)")
        drive = prepare()
        with audit.recording(USER_AGENT) as sent:
            drive.sent = sent
            for name, action in STEPS:
                drive.step(name, action)
        figures = count(drive)
        report(drive, figures)
    print(json.dumps({key: figures[key] for key in FIGURES}))


def prepare() -> Drive:
    """An office and its owner; the signals' runs kept here; the sandbox's set-up before any
    hook exists: the seed an hour back, one invoice not yet approved (for the manual import)."""
    from benchkit.office import demo_company, office_create, owner_create
    from django.conf import settings

    from apps.procore_sandbox import edits
    from apps.procore_sync import receivers

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client
    # this process sends its own changes' webhooks, one change at a time (webhook step)
    settings.PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND = False
    office = office_create("Bench Contract")
    drive = Drive(
        office, owner_create(office.account, "owner@bench-contract.test"), demo_company(), []
    )
    receivers.enqueue_run = drive.queued.append  # as the tests do: the signals' runs wait here
    stack.sandbox_backdate()
    held = _live(drive.company, "requisitions").last()
    edits.invoice_status_set(company=drive.company, requisition_id=held.id, status="under_review")
    drive.state["held_requisition"] = held.id
    return drive


def _live(company, resource: str, **where):
    from apps.procore_sandbox.models import SandboxRecord

    return SandboxRecord.objects.filter(
        company=company, resource=resource, deleted_at=None, **where
    ).order_by("id")


# --- 1. connect ---------------------------------------------------------------------------------


def connect(drive: Drive) -> None:
    from benchkit.office import sandbox_grant
    from django.test import Client
    from django.urls import reverse

    from apps.procore_sync.models import ProcoreConnection
    from apps.procore_sync.services import connection_connect

    connection_connect(office=drive.office, user=drive.user, token=sandbox_grant())
    browser = Client()
    browser.force_login(drive.user)
    page = reverse("procore_company", kwargs={"office_id": drive.office.pk})
    listed = browser.get(page)
    chosen = browser.post(page, {"company_id": drive.company.id})
    drive.note(
        f"company page: GET {listed.status_code}, POST {chosen.status_code} "
        f"(-> {chosen.get('Location', '')})"
    )
    drive.connection = ProcoreConnection.objects.get(office=drive.office)
    wizard = reverse("procore_wizard", kwargs={"office_id": drive.office.pk})
    lists = _live(drive.company, "standard_cost_code_lists")
    step_one = browser.get(wizard)
    picked = browser.post(wizard, {"cost_code_list": lists.first().id})
    drive.note(f"wizard step 1: GET {step_one.status_code}, POST {picked.status_code}")
    settings_choose(drive, time_mode="timesheets")
    hooks = _live(drive.company, "webhook_hooks").count()
    triggers = _live(drive.company, "webhook_triggers").count()
    drive.note(f"connected to {drive.connection.company_name}; {hooks} hook, {triggers} triggers")


def settings_choose(drive: Drive, *, time_mode: str) -> None:
    """The wizard's last step, as saved from its form."""
    from apps.ap_invoices.models import RoutingRule
    from apps.procore_sync.entities import ENTITIES
    from apps.procore_sync.wizard import FLOWS, SettingsChoice, settings_save

    RoutingRule.objects.get_or_create(office=drive.office, reviewer=drive.user)
    directions = {name: "both" if name in EXPORTED else "in" for name in ENTITIES}
    choice = SettingsChoice(
        directions=directions,
        flows=dict.fromkeys(FLOWS, True),
        intervals=dict.fromkeys(FLOWS, 60),
        time_mode=time_mode,
        ap_mode="auto_route",
        time_trigger="approved",
    )
    settings_save(office=drive.office, choice=choice, user=drive.user, enqueue=drive.queued.append)
    drive.work_queued()  # a change of where time goes moves what Procore holds (issue 16)


# --- 2. entities ----------------------------------------------------------------------------


def entities(drive: Drive) -> None:
    from apps.procore_sync.wizard import wizard_finish, wizard_for

    run = wizard_finish(wizard=wizard_for(drive.office), user=drive.user, enqueue=lambda _: None)
    drive.execute(run)
    local_changes(drive)
    drive.execute(drive.queue("entities", full=False))  # "Sync now"


def local_changes(drive: Drive) -> None:
    """Made in Trestle's pages: an employee edited; a vendor, a project, a sub-job and a cost
    code added."""
    from apps.ap_invoices.models import Vendor
    from apps.projects.models import CostCode, Project, SubJob
    from apps.timecards.models import Employee

    office = drive.office
    employee = Employee.objects.filter(office=office).order_by("pk").first()
    employee.city = "Round Rock"
    employee.save()
    Vendor.objects.create(
        office=office,
        name="Bench Contract Sealants",
        abbreviated_name="BCS",
        address="9 Bench Way",
        city="Austin",
        state="TX",
        zip_code="78701",
        phone="512-555-0199",
        email="ap@bench-sealants.test",
    )
    Project.objects.create(
        office=office,
        number="BC-1",
        name="Bench Contract Annex",
        address="1 Bench Rd",
        city="Austin",
        state="TX",
        zip_code="78701",
        time_zone="America/Chicago",
    )
    project = mapped_project(drive)
    SubJob.objects.create(office=office, project=project, code="009", name="Phase 9")
    CostCode.objects.create(
        office=office, code="09-950", name="Sealants", division_code="09", division_name="Finishes"
    )
    drive.note("changed in Trestle: 1 employee edited; 1 vendor, project, sub-job, cost code new")


def mapped_project(drive: Drive):
    """The Trestle project the import linked to the first seeded Procore project."""
    from apps.procore_sync.engine_models import ExternalRef
    from apps.projects.models import Project

    remote = _live(drive.company, "projects").first()
    ref = ExternalRef.objects.get(office=drive.office, procore_type="project", procore_id=remote.id)
    drive.state["procore_project"] = remote.id
    return Project.objects.get(pk=ref.object_id)


def code(drive: Drive, value: str):
    from apps.projects.models import CostCode

    return CostCode.objects.get(office=drive.office, code=value)


# --- 3. COR push ----------------------------------------------------------------------------


def cor_push(drive: Drive) -> None:
    contracts = contracts_of(drive)
    first = cor(drive, "Owner changes, level 2",
                _line(drive, "Supervision", "labor", "01-100", 12, "85.00"),
                _line(drive, "Formwork", "material", "03-100", 1, "1200.00"))  # fmt: skip
    second = cor(
        drive, "Drywall repairs", _line(drive, "Patch", "subcontract", "09-100", 1, "5000")
    )
    run = push(
        drive, [first, second], title="Bench contract push", contract=contracts["commitment"]
    )
    event = drive.state["change_event"] = run.params.get("created_change_event_id")
    repriced(drive, first)
    sent = len(drive.sent)
    push(drive, [first], change_event_id=event, contract=contracts["commitment"])
    drive.note(patched_lines(drive.sent[sent:]))
    lump = cor(drive, "Allowance", _line(drive, "Electrical", "equipment", "26-100", 2, "640.00"))
    push(drive, [lump], mode="lump_sum", title="Bench contract lump sum",
         contract=contracts["prime_contract"])  # fmt: skip
    reconcile(drive)


def reconcile(drive: Drive) -> None:
    """The "Procore vs Trestle" report over what was just pushed: no difference expected."""
    from apps.procore_sync.reconcile.services import reconcile_queue

    run = drive.execute(
        reconcile_queue(office=drive.office, user=drive.user, enqueue=lambda _: None)
    )
    drive.note(f"Procore vs Trestle: {run.counts.get('differences', 0)} differences")
    for difference in run.differences.all():
        drive.note(f"  {difference.flow} {difference.label}: {difference.message}")


def cor(drive: Drive, title: str, *lines):
    from apps.cors.services import cor_create

    return cor_create(
        project=mapped_project(drive), user=drive.user, title=title, lines=list(lines)
    )


def contracts_of(drive: Drive) -> dict[str, dict]:
    remote = drive.state["procore_project"]
    prime = _live(drive.company, "prime_contracts", project_id=remote).first()
    commitment = _live(drive.company, "work_order_contracts", project_id=remote).first()
    return {
        "prime_contract": {"type": "prime_contract", "id": prime.id},
        "commitment": {"type": "commitment", "id": commitment.id},
    }


def _line(drive: Drive, text: str, cost_type: str, cost_code: str, qty, cost: str, **more):
    from apps.cors.services import Line

    return Line(
        description=text,
        cost_type=cost_type,
        quantity=Decimal(qty),
        unit_cost=Decimal(cost),
        unit="EA",
        cost_code=code(drive, cost_code),
        **more,
    )


def repriced(drive: Drive, cor) -> None:
    """Its first line repriced (same line), its second removed, a new one added."""
    from apps.cors.services import cor_update

    kept = cor.lines.order_by("position").first()
    lines = [
        _line(
            drive,
            kept.description,
            kept.cost_type,
            kept.cost_code.code,
            kept.quantity,
            "92.50",
            id=kept.pk,
        ),
        _line(drive, "Temporary power", "equipment", "26-100", 3, "150.00"),
    ]
    cor_update(cor=cor, user=drive.user, lines=lines)


def patched_lines(sent: list) -> str:
    """What the re-push's PATCH wrote: updates (with id), additions, and their budget codes."""
    patches = [one for one in sent if one.method == "PATCH" and "/change_events/" in one.path]
    items = [
        item
        for one in patches
        for item in json.loads(one.body)["change_event"]["change_event_line_items_attributes"]
    ]
    updates = sum(1 for item in items if item.get("id"))
    coded = sum(1 for item in items if "wbs_code_id" in item)
    return (
        f"re-push: {len(patches)} PATCH, {len(items)} line items ({updates} with id, "
        f"{len(items) - updates} new), {coded} with wbs_code_id, "
        f"{sum(1 for item in items if 'budget_code' in item)} with budget_code"
    )


def push(drive: Drive, cors: list, **options) -> Any:
    from apps.procore_sync.cor_push.options import PushOptions
    from apps.procore_sync.cor_push.services import push_queue

    run = push_queue(
        project=cors[0].project,
        cors=cors,
        options=PushOptions.from_params(options),
        user=drive.user,
        enqueue=lambda run_id: None,
    )
    return drive.execute(run)


# --- 4. time ----------------------------------------------------------------------------------


def time_export(drive: Drive) -> None:
    from apps.timecards.models import EntryStatus

    crew, sub_job = crew_of(drive), sub_job_of(drive)
    cards = [
        card(drive, 0, TIMESHEET_DAY, "8.00", "01-100", crew=crew, sub_job=sub_job),
        card(drive, 1, TIMESHEET_DAY, "7.50", "01-200"),
        card(drive, 2, TIMESHEET_DAY, "6.00", "03-100"),
    ]
    export_now(drive, TIMESHEET_DAY)
    card_change(cards[0], hours=Decimal("9.00"))
    card_change(cards[2], status=EntryStatus.REJECTED)
    export_now(drive, TIMESHEET_DAY)
    daily_logs(drive, crew)


def daily_logs(drive: Drive, crew) -> None:
    from django.utils import timezone

    settings_choose(drive, time_mode="daily_logs")
    day = DAILY_LOG_DAY
    cards = [
        card(drive, 0, day, "8.00", "01-100", crew=crew),
        card(drive, 1, day, "8.00", "01-100", crew=crew),
        card(drive, 2, day, "6.00", "03-100"),
    ]
    walls = quantity(drive, day, "100", "LF", "01-100")
    forms = quantity(drive, day, "20", "CY", "03-100")
    export_now(drive, day)
    card_change(cards[0], hours=Decimal("9.00"))
    card_change(cards[2], deleted_at=timezone.now())
    walls.quantity = Decimal("120")
    walls.save()
    forms.delete()
    export_now(drive, day)


def crew_of(drive: Drive):
    from apps.timecards.models import Crew

    return Crew.objects.filter(project=mapped_project(drive)).order_by("pk").first()


def sub_job_of(drive: Drive):
    from apps.projects.models import SubJob

    return SubJob.objects.filter(project=mapped_project(drive), code="001").first()


def employees_linked(drive: Drive) -> list:
    """Imported employees (linked to company users), in import order."""
    from apps.procore_sync.engine_models import ExternalRef
    from apps.timecards.models import Employee

    linked = ExternalRef.objects.filter(office=drive.office, procore_type="company_user")
    ids = linked.exclude(procore_id=None).values("object_id")
    return list(Employee.objects.filter(pk__in=ids).order_by("pk"))


def card(drive: Drive, n: int, day: date, hours: str, cost_code: str, **more):
    """An approved time card written straight to its table, its fingerprint computed as the
    domain does (as tests/time_export write them): no signal queues a run."""
    from apps.timecards.fingerprint import entry_fingerprint
    from apps.timecards.models import EntryStatus, TimeCardEntry, TimeType

    entry = TimeCardEntry(
        project=mapped_project(drive),
        employee=employees_linked(drive)[n],
        date=day,
        hours=Decimal(hours),
        cost_code=code(drive, cost_code),
        time_type=TimeType.objects.get(office=drive.office, name="Regular Time"),
        status=EntryStatus.APPROVED,
        description="Bench contract",
        **more,
    )
    entry.fingerprint = entry_fingerprint(entry)
    entry.save()
    return entry


def card_change(entry, **changes) -> None:
    from apps.timecards.fingerprint import entry_fingerprint

    for name, value in changes.items():
        setattr(entry, name, value)
    entry.fingerprint = entry_fingerprint(entry)
    entry.save()


def quantity(drive: Drive, day: date, amount: str, unit: str, cost_code: str):
    from apps.timecards.models import ProductionQuantity

    return ProductionQuantity.objects.create(
        project=mapped_project(drive),
        date=day,
        cost_code=code(drive, cost_code),
        unit=unit,
        quantity=Decimal(amount),
        description="Bench",
    )


def export_now(drive: Drive, day: date) -> None:
    from apps.procore_sync.time_export.services import time_export_queue

    run = time_export_queue(
        office=drive.office, user=drive.user, start=day, end=day, enqueue=lambda run_id: None
    )
    drive.execute(run)


# --- 5. AP --------------------------------------------------------------------------------------


def ap(drive: Drive) -> None:
    from apps.ap_invoices import payments
    from apps.ap_invoices.models import ApInvoice

    drive.execute(drive.queue("ap_import"))
    invoice = invoice_approved(drive)
    paid = {"date": TIMESHEET_DAY, "method": "check", "reference": "2001", "user": drive.user}
    with answer_lost("/rest/v1.0/contract_payments", "POST"):
        payment = payments.payment_record(invoice=invoice, amount=Decimal("1000"), **paid)
        drive.work_queued()
    payments.payment_update(payment=payment, amount=Decimal("1250"), **paid)
    drive.work_queued()
    drive.note(f"{ApInvoice.objects.filter(office=drive.office).count()} invoices in Trestle")
    manual_import(drive)


@contextlib.contextmanager
def answer_lost(path: str, method: str) -> Iterator[None]:
    """The sandbox applies the next such request and drops its answer (once), so the flow's
    look-up after an unknown outcome runs. The stack's lifted rate limits stay."""
    from apps.procore_sandbox import faults
    from apps.procore_sandbox.models import SandboxConfig

    limits = {"rate_limit_hourly": stack.NO_LIMIT, "rate_limit_spike": stack.NO_LIMIT}
    faults.set_faults(drop_after=1.0, paths=[path], methods=[method], max_faults=1, **limits)
    try:
        yield
    finally:
        dropped = SandboxConfig.objects.get(id=1).faulted_count
        faults.set_faults(**limits)
        say(f"  answers dropped by the sandbox ({method} {path}): {dropped}")


def invoice_approved(drive: Drive):
    from apps.ap_invoices.models import ApInvoice
    from apps.ap_invoices.services import review_line

    invoice = ApInvoice.objects.filter(office=drive.office).order_by("pk").first()
    for line in invoice.lines.all():
        review_line(line=line, user=drive.user, approve=True)
    invoice.refresh_from_db()
    drive.note(f"invoice {invoice.invoice_number}: {invoice.status}, total {invoice.total}")
    return invoice


def manual_import(drive: Drive) -> None:
    """An invoice approved in Procore after the import, brought in by the manual "Procore
    Import" of the entry page: the list, then the chosen one pre-filled."""
    from apps.procore_sandbox import edits
    from apps.procore_sync.ap_import.manual import importable_list, invoice_prefill

    held = drive.state["held_requisition"]
    edits.invoice_status_set(company=drive.company, requisition_id=held, status="approved")
    listed = importable_list(drive.office)
    offered = next(i for i in listed if i.data.requisition_id == held)
    prefill = invoice_prefill(
        drive.office, procore_project_id=offered.procore_project_id, requisition_id=held
    )
    drive.note(f"manual import: {len(listed)} listed, {held} pre-filled: {prefill['source']}")


# --- 6. webhooks ----------------------------------------------------------------------------


def webhooks(drive: Drive) -> None:
    deliveries_settle(drive)  # Trestle's own writes (echoes) first: each change stands alone
    for change in sandbox_changes(drive):
        change_delivered(drive, change)
    webhook_runs(drive)
    for change in drive.changes:
        change["landed"] = change.pop("check")()


@dataclass(frozen=True)
class Change:
    """A change a Procore user makes, and how to tell Trestle now holds it."""

    label: str
    make: Callable[[], Any]
    landed: Callable[[], bool]


def sandbox_changes(drive: Drive) -> list[Change]:
    """Each a published webhook event Trestle subscribes to, one per kind of run it starts."""
    from apps.procore_sandbox import edits, store

    company, remote, office = drive.company, drive.state["procore_project"], drive.office
    user = _live(company, "users", data__is_employee=True).first()
    project = _live(company, "projects").get(id=remote)
    vendor = _live(company, "vendors").first()
    codes = _live(company, "standard_cost_code_lists").first()
    division = _live(company, "standard_cost_codes", data__full_code="09").first()
    contract = _live(company, "work_order_contracts", project_id=remote).last()
    event = drive.state["change_event"]
    code = {"code": "975", "full_code": "09-975", "name": "Acoustic Panels"}
    code |= {"parent_id": division.id, "standard_cost_code_list_id": codes.id}
    time_type = {"time_type": "Travel Time", "abbreviated_time_type": "TRV", "global": True}
    return [
        Change("employee renamed",
               lambda: edits.employee_update(company=company, user_id=user.id,
                                             last_name="Castellano"),
               lambda: _has(office, "timecards.Employee", last_name="Castellano")),
        Change("project renamed",
               lambda: edits.project_update(company=company, project_id=remote,
                                            name=f"{project.data['name']} (renamed)"),
               lambda: _has(office, "projects.Project", name__endswith="(renamed)")),
        Change("vendor renamed",
               lambda: edits.vendor_update(company=company, vendor_id=vendor.id,
                                           name=f"{vendor.data['name']} LLC"),
               lambda: _has(office, "ap_invoices.Vendor", name__endswith=" LLC")),
        Change("change event to Pending",
               lambda: edits.change_event_status_set(company=company, change_event_id=event,
                                                     status="Pending"),
               lambda: _has(office, "procore_sync.CorPush", change_event_id=event,
                            change_event_status="Pending")),
        Change("sub job added",
               lambda: store.record_create(company=company, resource="sub_jobs",
                                           project_id=remote,
                                           data={"name": "Phase 7", "code": "007"}),
               lambda: _has(office, "projects.SubJob", code="007")),
        Change("cost code added",
               lambda: store.record_create(company=company, resource="standard_cost_codes",
                                           parent_id=codes.id, data=code),
               lambda: _has(office, "projects.CostCode", code="09-975")),
        Change("time type added",
               lambda: store.record_create(company=company, resource="timecard_time_types",
                                           data=time_type),
               lambda: _has(office, "timecards.TimeType", name="Travel Time")),
        Change("subcontract retitled",
               lambda: store.record_update(contract,
                                           {"title": f"{contract.data['title']} (rev. 1)"}),
               lambda: _has(office, "ap_invoices.Commitment", title__endswith="(rev. 1)")),
    ]  # fmt: skip


def _has(office, model: str, **where) -> bool:
    from django.apps import apps

    return apps.get_model(model).objects.filter(office=office, **where).exists()


def change_delivered(drive: Drive, change: Change) -> None:
    """Make the change, then post its deliveries until Procore's side says delivered."""
    from apps.procore_sandbox import webhook_sender
    from apps.procore_sandbox.models import SandboxDelivery

    last = SandboxDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    change.make()
    mine = SandboxDelivery.objects.filter(id__gt=last)
    deadline = time.monotonic() + DELIVERY_WAIT
    while mine.exclude(status="delivered").exists() and time.monotonic() < deadline:
        webhook_sender.deliver_due()
        time.sleep(0.2)
    status = sorted({d.status for d in mine})
    drive.changes.append(
        {
            "label": change.label,
            "deliveries": [d.id for d in mine],
            "status": status,
            "check": change.landed,
        }
    )
    drive.note(f"{change.label}: {mine.count()} delivery, {status}")


def webhook_runs(drive: Drive) -> None:
    """The runs Trestle's webhook view queued (to Celery, which this bench does not run)."""
    from apps.procore_sync.engine_models import SyncRun

    for run in SyncRun.objects.filter(office=drive.office, trigger="webhook").order_by("pk"):
        drive.execute(run)


def deliveries_settle(drive: Drive) -> dict[str, int]:
    """Post what is due until nothing is pending (at most SETTLE_WAIT s)."""
    from apps.procore_sandbox import webhook_sender

    deadline = time.monotonic() + SETTLE_WAIT
    while time.monotonic() < deadline:
        webhook_sender.deliver_due()
        counts = webhook_sender.counts()
        if not counts["enqueued"] and not counts["retrying"]:
            break
        time.sleep(0.5)
    drive.note(f"sandbox deliveries so far: {webhook_sender.counts()}")
    return webhook_sender.counts()


# --- 7. disconnect --------------------------------------------------------------------------


def disconnect(drive: Drive) -> None:
    from apps.procore_sync.services import connection_disconnect

    deliveries_settle(drive)  # the hooks go with the connection: deliver what is owed first
    connection_disconnect(connection=drive.connection, user=drive.user)
    hooks = _live(drive.company, "webhook_hooks").count()
    drive.note(f"disconnected; live hooks left in the sandbox: {hooks}")


STEPS: list[tuple[str, Callable[[Drive], None]]] = [
    ("1 connect", connect),
    ("2 entities", entities),
    ("3 COR push", cor_push),
    ("4 time", time_export),
    ("5 AP", ap),
    ("6 webhooks", webhooks),
    ("7 disconnect", disconnect),
]


# --- what Trestle's client can call (static) --------------------------------------------------


@dataclass(frozen=True)
class ClientOp:
    function: str  # the resources.py function
    method: str
    path: str  # as written there
    operation: str  # "METHOD /template", or "METHOD path" when the OAS has no such operation


CLIENT_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "delete": "DELETE"}
HELPERS = {"records": ("GET", 1), "sync_action": ("PATCH", 1)}  # name: (method, path argument)


def client_operations() -> list[ClientOp]:
    """Every (function, operation) of resources.py: client.get/post/patch/delete, records() and
    sync_action() calls with their path literal or f-string, and calls of another function of
    the module (e.g. requisition_attachments -> requisition)."""
    from apps.procore_sandbox import oas

    tree = ast.parse(RESOURCES_PY.read_text())
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    direct = {name: list(_direct_calls(fn, functions)) for name, fn in functions.items()}
    ops = []
    for name in functions:
        if name.startswith("_"):
            continue
        for method, path in _resolved(name, direct, set()):
            op, _, _ = oas.match(method, re.sub(r"\{[^}]*\}", "1", path))
            ops.append(ClientOp(name, method, path, f"{method} {op.template if op else path}"))
    return ops


def _resolved(name: str, direct: dict, seen: set) -> Iterator[tuple[str, str]]:
    seen.add(name)
    for call in direct[name]:
        if call[0] == "call":
            if call[1] not in seen:
                yield from _resolved(call[1], direct, seen)
        else:
            yield call


def _direct_calls(fn: ast.FunctionDef, functions: dict) -> Iterator[tuple[str, str]]:
    assigned = {
        target.id: node.value
        for node in ast.walk(fn)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "client":
            if func.attr in CLIENT_METHODS:
                yield CLIENT_METHODS[func.attr], _text(node.args[0], assigned)
        elif isinstance(func, ast.Name) and func.id in HELPERS:
            method, position = HELPERS[func.id]
            yield method, _text(node.args[position], assigned)
        elif isinstance(func, ast.Name) and func.id in functions and func.id != fn.name:
            yield "call", func.id


def _text(node: ast.expr, assigned: dict) -> str:
    if isinstance(node, ast.Name) and node.id in assigned:
        return _text(assigned[node.id], assigned)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{" + ast.unparse(part) + "}"
            for part in node.values
        )
    return f"<{ast.unparse(node)}>"


def callers(names: set[str]) -> dict[str, list[str]]:
    """Where Trestle's code (apps/, less the sandbox and resources.py) calls each function:
    `resources.<name>`, or `getattr(resources, x)` (x a string, or a loop variable over a
    module-level name: ap_import/commitments.py walks the commitment kinds so)."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted((stack.ROOT / "apps").rglob("*.py")):
        if "procore_sandbox" in path.parts or "migrations" in path.parts or path == RESOURCES_PY:
            continue
        where = path.relative_to(stack.ROOT)
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            for name in _named(node, tree, where):
                if name in names:
                    found[name].append(f"{where}:{node.lineno}")
    return found


def _named(node: ast.AST, tree: ast.Module, where: Path) -> list[str]:
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "resources":
        return [node.attr]
    if not (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "getattr"
        and len(node.args) > 1
        and getattr(node.args[0], "id", "") == "resources"
    ):
        return []
    name = node.args[1]
    if isinstance(name, ast.Constant):
        return [str(name.value)]
    module = importlib.import_module(".".join(where.with_suffix("").parts))
    return [
        str(value)
        for loop in ast.walk(tree)
        if isinstance(loop, ast.For) and getattr(loop.target, "id", None) == getattr(name, "id", 0)
        and isinstance(loop.iter, ast.Name)
        for value in getattr(module, loop.iter.id, ())
    ]  # fmt: skip


# --- the counts -------------------------------------------------------------------------------


def count(drive: Drive) -> dict:
    from apps.procore_sandbox import audit

    sent = drive.sent
    errors = {one: one.errors() for one in set(sent)}
    operations = Counter(one.operation() for one in sent)
    webhooks = webhooks_counted(drive)
    return {
        "operations": len(operations),
        "requests": len(sent),
        "violations": sum(1 for one in sent if errors[one]),
        "webhook_deliveries": len(webhooks["counted"]),
        "by_operation": operations,
        "rules": audit.violations(sent),
        "webhooks": webhooks,
    }


def webhooks_counted(drive: Drive) -> dict:
    """Sandbox deliveries Trestle took as "sync" whose change a webhook run applied (see the
    docstring): each "sync" row is a pending change, applied by the run that claimed it."""
    from apps.procore_sandbox import webhook_sender
    from apps.procore_sandbox.models import SandboxDelivery
    from apps.procore_sync.engine_models import ChangeState, SyncRun, WebhookDelivery

    received = list(
        WebhookDelivery.objects.filter(office=drive.office).select_related("run").order_by("pk")
    )
    delivered = {
        str(d.event.get("ulid") or d.event.get("id"))
        for d in SandboxDelivery.objects.filter(status="delivered")
    }
    table = []
    for row in (w for w in received if w.outcome == "sync"):
        ok = row.event_key in delivered and row.state == ChangeState.APPLIED
        table.append((row, row.run, row.event_key in delivered, ok))
    claimed = {row.run_id for row in received}
    runs = SyncRun.objects.filter(office=drive.office, trigger="webhook")
    return {
        "sandbox": webhook_sender.counts(),
        "outcomes": Counter(w.outcome for w in received),
        "echoes": Counter(
            f"{w.resource_name} {w.event_type}" for w in received if w.outcome.startswith("echo")
        ),
        "table": table,
        "counted": [row.pk for row, _, _, ok in table if ok],
        "runs_left": runs.exclude(pk__in=claimed).count(),  # webhook runs that applied nothing
    }


# --- the report -------------------------------------------------------------------------------


def report(drive: Drive, figures: dict) -> None:
    print(
        "\ncontract: every Trestle flow once against the strict sandbox "
        f"(seed {' '.join(SEED)}); requests recorded in this process"
    )
    report_steps(drive)
    report_operations(drive, figures)
    report_violations(figures)
    report_unexercised(figures)
    report_webhooks(drive, figures)
    report_runs(drive)
    print(f"\ntotal wall time {time.monotonic() - STARTED:.0f}s")


def report_steps(drive: Drive) -> None:
    print("\n  | step | requests recorded | REST requests the sandbox counted | operations |")
    print("  |---|---|---|---|")
    for step in drive.steps:
        ops = sorted({one.operation() for one in drive.sent[step.first : step.last]})
        seen = "?" if step.received is None else step.received
        print(f"  | {step.name} | {step.last - step.first} | {seen} | {len(ops)} |")
        if step.error:
            print(f"    STOPPED: {step.error}")
    recorded = sum(s.last - s.first for s in drive.steps if s.received is not None)
    counted = sum(s.received for s in drive.steps if s.received is not None)
    print(
        f"  the sandbox counted {counted} REST requests in the steps it could count, this "
        f"process sent {recorded}: {'equal' if counted == recorded else 'NOT equal'} (a "
        "request from the server, e.g. its webhook view, would make the first larger)"
    )


def report_operations(drive: Drive, figures: dict) -> None:
    by_step: dict[str, list[str]] = defaultdict(list)
    for step in drive.steps:
        for op in sorted({one.operation() for one in drive.sent[step.first : step.last]}):
            by_step[op].append(step.name.split(" ", 1)[0])
    print(f"\noperations exercised ({figures['operations']}), requests each, steps:")
    for op, n in sorted(figures["by_operation"].items(), key=lambda item: item[0].split(" ")[1:]):
        print(f"  {n:>4}  {op}  [{','.join(by_step[op])}]")


def report_violations(figures: dict) -> None:
    rules = figures["rules"]
    print(f"\nviolations: {figures['violations']} requests, {len(rules)} rules broken")
    for rule, examples in sorted(rules.items()):
        body = examples[0].body or ""
        print(f"  {rule}  ({len(examples)} distinct requests)")
        print(f"    e.g. query {dict(examples[0].query)} body {body[:400]}")


def report_unexercised(figures: dict) -> None:
    ops = client_operations()
    exercised = set(figures["by_operation"])
    missing = [op for op in ops if op.operation not in exercised]
    named = callers({op.function for op in missing})
    static = {op.operation for op in ops}
    print(
        f"\nTrestle's client (procore_sync/client/resources.py): {len(ops)} (function, "
        f"operation) pairs, {len(static)} distinct operations, {len(static & exercised)} of "
        "them exercised; not exercised:"
    )
    for op in sorted(missing, key=lambda o: (o.operation.split(" ")[1], o.method)):
        where = named.get(op.function, [])
        print(f"    {op.operation}  (resources.{op.function}): {why_not(op.function, where)}")
    for op in sorted(exercised - static):
        print(f"  exercised but not found in resources.py: {op}")
    print(
        "  not API operations: resources.attachment_download (each invoice PDF, a pre-signed "
        "file URL, downloaded by the AP import); OAuth token and revoke (not /rest/)"
    )
    print(
        "  not driven: a customer's push into its own Procore (the same cor_push flow and "
        "operations, in an office connected to the customer's company; the browser tests "
        "drive it)"
    )


def why_not(function: str, where: list[str]) -> str:
    """Why the bench did not reach an operation: nothing calls it, or what keeps it unreached."""
    from apps.procore_sync.entities import ENTITIES

    if not where:
        return "no caller in Trestle's code"
    if function == "standard_cost_codes_sync" and not ENTITIES["cost_codes"].exportable:
        return (
            f"called at {where[0]}, never reached: cost codes are not exportable "
            "(ENTITIES['cost_codes'].exportable is False), so the cost code made in "
            "Trestle stayed there"
        )
    return f"called at {', '.join(where[:3])}; not reached by this drive"


def report_webhooks(drive: Drive, figures: dict) -> None:
    found = figures["webhooks"]
    print(f"\nwebhooks: sandbox deliveries {json.dumps(found['sandbox'])}")
    print(
        f"  Trestle received {sum(found['outcomes'].values())} events: "
        f'{json.dumps(dict(found["outcomes"]))}; webhook runs without a "sync" event: '
        f"{found['runs_left']}"
    )
    print(f"  echoes (Trestle's own writes): {json.dumps(dict(found['echoes']))}")
    for change in drive.changes:
        print(
            f"  change: {change['label']}: deliveries {change['deliveries']} "
            f"{change['status']}; in Trestle after its run: {change.get('landed')}"
        )
    for row, run, delivered, ok in found["table"]:
        status = f"run {run.pk} {run.flow} {run.params} {run.status}" if run else "no run"
        print(
            f"  {row.resource_name} {row.event_type} {row.resource_id}: "
            f"{'delivered' if delivered else 'NOT a delivered event'}; {status}; "
            f"{'counted' if ok else 'NOT counted'}"
        )
    print(f"  counted: {len(found['counted'])} (sync, delivered, applied by its run)")


def report_runs(drive: Drive) -> None:
    table = Counter((step, run.flow, run.trigger, run.status) for step, run in drive.runs)
    print("\nruns executed here (step, flow, trigger, status: count)")
    for (step, flow, trigger, status), n in sorted(table.items()):
        print(f"  {step:14}{flow:22}{trigger:9}{status:11}{n:>3}")


if __name__ == "__main__":
    main()
