"""Every path that queues a run, exercised the same way on SQLite (`make run`, in a subprocess
by test_queueing_paths.py) and on PostgreSQL (the test database): payments recorded, edited and
voided, queueing failures of payments and time cards, Retry failed (also through the API with an
Idempotency-Key), the schedule and the nightly report. Returns what it saw as plain data."""

import json
from contextlib import contextmanager
from datetime import date
from decimal import Decimal


@contextmanager
def _enqueue_into(sent: list[int]):
    from apps.procore_sync import receivers

    real = receivers.enqueue_run
    receivers.enqueue_run = sent.append
    try:
        yield
    finally:
        receivers.enqueue_run = real


def _books():
    from apps.accounts.models import Account, Membership, Role, User
    from apps.ap_invoices.models import ApInvoice, InvoiceStatus
    from apps.offices.models import Office
    from apps.procore_sync.engine_models import SyncSettings
    from apps.procore_sync.models import ProcoreConnection

    account = Account.objects.create(name="Queueing paths")
    user = User.objects.create_user("owner@queueing-paths.test", "pw-for-tests-1")
    Membership.objects.create(account=account, user=user, role=Role.OWNER)
    office = Office.objects.create(account=account, name="HQ")
    ProcoreConnection.objects.create(office=office, company_id=1)
    SyncSettings.objects.create(office=office, flows={"payments": True, "entities": True})
    invoice = ApInvoice.objects.create(
        office=office,
        invoice_number="INV-Q",
        status=InvoiceStatus.APPROVED,
        total=Decimal("100.00"),
        procore_requisition_id=1,
    )
    return user, invoice


def queueing_paths() -> dict:
    from apps.ap_invoices import payments
    from apps.procore_sync import receivers, schedules
    from apps.procore_sync.engine_models import SyncRun
    from apps.procore_sync.runs import run_retry_failed

    user, invoice = _books()
    sent: list[int] = []
    seen: dict = {}
    with _enqueue_into(sent):
        payment = payments.payment_record(
            invoice=invoice,
            date=date(2026, 11, 20),
            amount=Decimal("40.00"),
            method="check",
            user=user,
        )
        payments.payment_update(
            payment=payment,
            date=date(2026, 11, 21),
            amount=Decimal("50.00"),
            method="check",
            user=user,
        )
        payments.payment_void(payment=payment, user=user)
    runs = SyncRun.objects.filter(pk__in=sent).order_by("pk")
    seen["payments"] = [[r.flow, r.params["payment_ids"] == [payment.pk]] for r in runs]

    def broken(**kwargs):
        raise RuntimeError("the broker is down")

    real, receivers.payment_change_queue = receivers.payment_change_queue, broken
    try:
        receivers.queue_payment_writeback(
            None, account=invoice.office.account, payment_id=payment.pk, action="updated"
        )
    finally:
        receivers.payment_change_queue = real
    failed = SyncRun.objects.filter(status="failed").get()
    item = failed.items.get()
    retry = run_retry_failed(run=failed, user=user, enqueue=sent.append)
    seen["failure"] = [failed.flow, "the broker is down" in item.message, bool(item.fix)]
    seen["retry"] = [retry.flow, retry.params["payment_ids"] == [payment.pk]]
    seen["time_failure"] = _time_failure(invoice.office, user)
    seen["api_retry"] = _api_retry(failed, user, sent)
    seen["scheduled"] = schedules.queue_due_runs(enqueue=sent.append)
    seen["nightly"] = _nightly(sent)
    seen["full_reread"] = _full_reread(sent)
    seen["webhooks"] = _webhooks(invoice.office, sent)
    return seen


def _webhooks(office, sent: list[int]) -> list:
    """Two deliveries: two pending changes and one queued "webhook" run (a JSON lookup finds the
    one waiting), which claims both; a failed one is claimed again by id, as Retry failed does."""
    import hashlib

    from apps.procore_sync.engine_models import SyncRun, SyncSettings, WebhookDelivery
    from apps.procore_sync.webhook_flow.changes import changes_claim, changes_failed
    from apps.procore_sync.webhooks import webhook_receive

    digest = hashlib.sha256(b"s3cret").hexdigest()
    SyncSettings.objects.filter(office=office).update(
        webhook_token="qp", webhook_secret_hash=digest
    )
    before = len(sent)
    outcomes = [
        webhook_receive(
            token="qp",
            authorization="Bearer s3cret",
            event={
                "ulid": f"01Q{n}",
                "event_type": "update",
                "resource_name": "Sub Jobs",
                "resource_id": 10 + n,
                "project_id": 7,
                "company_id": 1,
            },
            enqueue=sent.append,
        )
        for n in range(2)
    ]
    run = SyncRun.objects.filter(pk__in=sent[before:]).get()
    claimed = changes_claim(run)
    changes_failed([claimed[0].pk])
    again = changes_claim(run, [claimed[0].pk])
    states = list(WebhookDelivery.objects.order_by("pk").values_list("state", flat=True))
    return [outcomes, run.flow, [c.project_id for c in claimed], again == claimed[:1], states]


def _nightly(sent: list[int]) -> list:
    """The nightly report: not before 2 a.m. in the office's zone, then once that night."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from apps.procore_sync import schedules
    from apps.procore_sync.engine_models import SyncRun

    chicago = ZoneInfo("America/Chicago")
    evening, night, later = (datetime(2026, 12, 6, h, 30, tzinfo=chicago) for h in (1, 2, 5))
    counts = [
        schedules.queue_nightly_reports(enqueue=sent.append, now=t) for t in (evening, night, later)
    ]
    flows = list(SyncRun.objects.filter(pk=sent[-1]).values_list("flow", "trigger"))
    return [*counts, flows == [("reconcile", "schedule")]]


def _full_reread(sent: list[int]) -> list:
    """The full re-read of the entities: not before 1 a.m. in the office's zone, then once."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from apps.procore_sync import schedules
    from apps.procore_sync.engine_models import SyncRun

    chicago = ZoneInfo("America/Chicago")
    evening, night, later = (datetime(2026, 12, 6, h, 30, tzinfo=chicago) for h in (0, 1, 5))
    counts = [
        schedules.queue_full_rereads(enqueue=sent.append, now=t) for t in (evening, night, later)
    ]
    run = SyncRun.objects.get(pk=sent[-1])
    queued = [run.flow, run.trigger, run.params]
    return [*counts, queued == ["entities", "schedule", {"full": True}]]


def _time_failure(office, user) -> list:
    from apps.procore_sync import receivers
    from apps.procore_sync.runs import run_retry_failed
    from apps.projects.models import Project
    from apps.timecards.models import Employee, TimeCardEntry

    project = Project.objects.create(office=office, number="100", name="Tower")
    employee = Employee.objects.create(office=office, last_name="Diaz")
    entry = TimeCardEntry.objects.create(
        project=project, employee=employee, date=date(2026, 11, 20), hours=Decimal("8")
    )

    def broken(**kwargs):
        raise RuntimeError("the broker is down")

    real, receivers.time_changes_queue = receivers.time_changes_queue, broken
    try:
        receivers.queue_time_exports(
            None, account=office.account, entry_ids=[entry.pk], action="approved"
        )
    finally:
        receivers.time_changes_queue = real
    [failed] = office.sync_runs.filter(flow="time_export", status="failed")
    retry = run_retry_failed(run=failed, user=user, enqueue=lambda run_id: None)
    return [failed.items.get().object_id == entry.pk, retry.params["entry_ids"] == [entry.pk]]


def _api_retry(failed, user, sent: list[int]) -> list:
    """The API's Retry failed, twice with one key: one run, the same answer."""
    from rest_framework.test import APIClient

    from apps.accounts.services import api_token_create
    from apps.procore_sync import api as sync_api

    _, token = api_token_create(account=failed.office.account, user=user, name="paths")
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    real, sync_api.enqueue_run = sync_api.enqueue_run, sent.append
    try:
        url = f"/api/v1/sync-runs/{failed.pk}/retry/"
        answers = [client.post(url, HTTP_IDEMPOTENCY_KEY="paths-1") for _ in range(2)]
    finally:
        sync_api.enqueue_run = real
    first, again = answers
    return [
        first.status_code,
        again.status_code,
        first["Location"] == again["Location"],
        first.json() == again.json(),
        failed.office.sync_runs.filter(params__retry_of=failed.pk).count(),
    ]


if __name__ == "__main__":
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(json.dumps(queueing_paths()))
