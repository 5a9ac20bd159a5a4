"""SQL per imported invoice is pinned (issue 18): new invoices are written in batches of
NewInvoices.BATCH, each one transaction of three INSERTs (invoices, lines, audit entries); a
refresh is one UPDATE, its lines replaced in a DELETE and an INSERT, and its audit entry."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.ap_invoices.models import ApInvoice, ApInvoiceLine
from apps.procore_sync.ap_import.invoices import NewInvoices
from apps.procore_sync.engine_models import RunStatus

pytestmark = pytest.mark.django_db(transaction=True)
PER_BATCH = ["BEGIN", "INSERT ap_invoices_apinvoice", "INSERT ap_invoices_apinvoiceline"]
PER_BATCH += ["INSERT accounts_auditentry", "COMMIT"]
PER_REFRESH = ["BEGIN", "UPDATE ap_invoices_apinvoice", "DELETE ap_invoices_apinvoiceline"]
PER_REFRESH += ["INSERT ap_invoices_apinvoiceline", "INSERT accounts_auditentry", "COMMIT"]


def shape(sql: str) -> str:
    """A statement's verb and table: enough to tell a per-invoice statement from another."""
    found = re.match(r'\s*(\w+)(?:[^"]*"(\w+)")?', sql)
    verb, table = found.group(1).upper(), found.group(2)
    return f"{verb} {table}" if table else verb


def statements(books, **params) -> Counter:
    with CaptureQueriesContext(connection) as queries:
        run = books.run(**params)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return Counter(shape(q["sql"]) for q in queries.captured_queries)


def per_invoice(small: Counter, large: Counter, more: int) -> Counter:
    """What 'more' invoices added, per invoice (a run's fixed statements cancel out)."""
    grown = large - small
    assert all(n % more == 0 for n in grown.values()), grown
    return Counter({k: n // more for k, n in grown.items()})


def test_new_invoices_cost_one_transaction_per_batch(books):
    assert NewInvoices.BATCH == 25
    books.run()  # the commitments come in first: both runs below find them
    for n in range(5):
        books.requisition(number=f"INV-{n}")
    small = statements(books, full=True)  # 5 new invoices: one batch
    ApInvoice.objects.all().delete()
    for n in range(5, 30):
        books.requisition(number=f"INV-{n}")
    large = statements(books, full=True)  # 30: two batches, and nothing else more
    assert large - small == Counter(PER_BATCH)
    assert ApInvoice.objects.count() == 30 and ApInvoiceLine.objects.count() == 30


def test_a_refreshed_invoice_costs_four_statements(books):
    requisitions = [books.requisition(number=f"INV-{n}") for n in range(12)]
    books.run()
    for requisition in requisitions[:2]:
        books.procore.change(requisition, total_claimed_amount="11000.00")
    small = statements(books, full=True)
    for requisition in requisitions:
        books.procore.change(requisition, total_claimed_amount="12000.00")
    large = statements(books, full=True)
    assert per_invoice(small, large, 10) == Counter(PER_REFRESH)
    assert {i.subtotal for i in ApInvoice.objects.all()} == {12000}
