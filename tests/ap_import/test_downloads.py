"""Attachments are downloaded a few at a time, within the shared rate budget, and a download
that fails fails its invoice alone (issue 18), against the live sandbox."""

import threading
import time

import pytest
from django.db import connections

from apps.ap_invoices.models import ApInvoice
from apps.procore_sandbox import faults
from apps.procore_sandbox.models import SandboxAttachment
from apps.procore_sync.client.http import ProcoreClient
from apps.procore_sync.client.ratelimit import hourly_use
from apps.procore_sync.engine_models import RunStatus

pytestmark = pytest.mark.django_db(transaction=True)
LISTS = 4  # the subcontract and purchase order lists, one requisition list per imported status


class InFlight:
    """Wraps ProcoreClient.download: how many run at once at most, in which threads, and
    whether any of those threads opened a database connection."""

    def __init__(self, monkeypatch) -> None:
        self.lock, self.now, self.most, self.threads, self.used_db = (
            threading.Lock(),
            0,
            0,
            set(),
            [],
        )
        original = ProcoreClient.download

        def download(client, url, **kwargs):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
                self.threads.add(threading.current_thread().name)
            try:
                time.sleep(0.05)  # long enough for the pool's other threads to start theirs
                return original(client, url, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1
                self.used_db.append(connections["default"].connection is not None)

        monkeypatch.setattr(ProcoreClient, "download", download)


def test_downloads_overlap_but_never_exceed_the_pool(books, settings, monkeypatch):
    settings.AP_IMPORT_DOWNLOADS = 3
    for n in range(6):
        books.requisition(number=f"INV-{n}", files=((b"", 1), (b"", 2)))
    flight = InFlight(monkeypatch)
    run = books.run()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert 1 < flight.most <= 3
    assert all(name.startswith("ap-download") for name in flight.threads)
    assert len(flight.used_db) == 12 and not any(flight.used_db)  # no ORM in the pool
    assert sorted(i.document_pages for i in ApInvoice.objects.all()) == [3] * 6


def test_one_download_at_a_time_when_the_pool_is_off(books, settings, monkeypatch):
    settings.AP_IMPORT_DOWNLOADS = 1
    for n in range(3):
        books.requisition(number=f"INV-{n}", files=((b"", 1), (b"", 1)))
    flight = InFlight(monkeypatch)
    assert books.run().status == RunStatus.SUCCEEDED
    assert flight.most == 1 and flight.threads == {threading.current_thread().name}


def test_a_failed_download_fails_its_invoice_alone(books):
    for n in range(5):
        books.requisition(number=f"INV-{n}", files=((b"", 1), (b"", 1)))
    gone = books.requisition(number="INV-GONE", files=((b"", 1), (b"", 1)))
    SandboxAttachment.objects.filter(record=gone, filename="INV-GONE-2.pdf").delete()
    run = books.run()
    assert run.status == RunStatus.PARTIAL
    (failed,) = run.items.filter(outcome="failed")
    assert failed.procore_id == gone.id and failed.label.startswith("Invoice INV-GONE")
    assert failed.message.startswith("Downloading the attachments:") and failed.fix
    assert run.items.filter(entity="ap_invoices", outcome="created").count() == 5
    assert not ApInvoice.objects.filter(procore_requisition_id=gone.id).exists()
    books.requisition(number="INV-7")  # the next full run takes what is left, once each
    again = books.run(full=True)
    assert again.items.filter(entity="ap_invoices", outcome="created").count() == 1
    assert ApInvoice.objects.count() == 6


def test_the_rate_budget_counts_every_download_and_every_retry(books, settings):
    settings.AP_IMPORT_DOWNLOADS = 4
    for n in range(4):
        books.requisition(number=f"INV-{n}", files=((b"", 1), (b"", 1), (b"", 1)))
    faults.set_faults(error_503=1.0, paths=["/attachments/"], max_faults=2)
    connection = books.procore.connection
    before = hourly_use([connection.pk])[connection.pk].used
    run = books.run()
    assert run.status == RunStatus.SUCCEEDED, run.error
    used = hourly_use([connection.pk])[connection.pk].used - before
    assert used == LISTS + 12 + 2  # 12 attachments, 2 of them sent twice (503, then retried)


def test_a_refused_batch_is_written_one_by_one_and_only_the_taken_one_fails(books, monkeypatch):
    from apps.procore_sync.ap_import import flow

    first = books.requisition(number="INV-0")
    books.run()
    for n in range(1, 4):
        books.requisition(number=f"INV-{n}")
    # As if another run imported INV-0 between the look-up and the write: it looks new here.
    monkeypatch.setattr(flow, "existing_invoices", lambda target, ids: {})
    run = books.run(full=True)
    assert run.status == RunStatus.PARTIAL
    (failed,) = run.items.filter(entity="ap_invoices", outcome="failed")
    assert failed.procore_id == first.id and "already in Trestle" in failed.message
    assert run.items.filter(entity="ap_invoices", outcome="created").count() == 3
    assert ApInvoice.objects.filter(procore_requisition_id=first.id).count() == 1
    assert ApInvoice.objects.count() == 4
