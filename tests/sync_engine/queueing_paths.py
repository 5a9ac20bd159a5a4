"""Every path that queues a run, exercised the same way on SQLite (`make run`, in a subprocess
by test_queueing_paths.py) and on PostgreSQL (the test database): payments recorded, edited and
voided, a queueing failure, Retry failed and the schedule. Returns what it saw as plain data."""

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
    seen["scheduled"] = schedules.queue_due_runs(enqueue=sent.append)
    return seen


if __name__ == "__main__":
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    print(json.dumps(queueing_paths()))
