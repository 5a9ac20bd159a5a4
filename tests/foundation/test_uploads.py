"""The upload policy's shared parts: the limit in words, the multipart guard, and the command
that finds (and removes) stored files no row references."""

from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.ap_invoices.models import ApInvoice
from apps.core.uploads import size_in_words

from ..uploads_kit import PDF


def test_limits_read_in_words():
    assert [size_in_words(n) for n in (25 * 1024 * 1024, 2048, 1536, 12)] == [
        "25 MB",
        "2 KB",
        "1.5 KB",
        "12 bytes",
    ]


@pytest.mark.django_db
def test_a_multipart_body_over_the_limit_is_refused_unread_on_any_url(client, settings):
    settings.UPLOAD_MAX_BYTES, settings.API_MAX_BODY_BYTES = 1024, 1024
    big = SimpleUploadedFile("a.pdf", PDF * 200)  # no login needed: refused before anything
    response = client.post("/cors/1/attachments/", {"file": big})
    assert response.status_code == 413
    assert response.json() == {"detail": "An uploaded file can be at most 1 KB."}
    small = SimpleUploadedFile("a.pdf", PDF)
    assert client.post("/cors/1/attachments/", {"file": small}).status_code == 302  # to login


def run(*args: str) -> str:
    out = StringIO()
    call_command("upload_orphans", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files(tenant):
    """A document an invoice references, an orphan in the same folder, a file outside the
    upload folders."""
    kept = default_storage.save("ap-invoices/2026/01/kept.pdf", ContentFile(PDF))
    ApInvoice.objects.create(office=tenant.office, invoice_number="K", document=kept)
    orphan = default_storage.save("ap-invoices/2026/01/orphan.pdf", ContentFile(PDF))
    elsewhere = default_storage.save("exports/report.csv", ContentFile(b"a,b"))
    yield kept, orphan, elsewhere
    for name in (kept, orphan, elsewhere):
        default_storage.delete(name)


@pytest.mark.django_db
def test_the_orphan_command_lists_without_deleting_by_default(files):
    kept, orphan, elsewhere = files
    out = run("--min-age-minutes", "0")
    assert f"Would remove {orphan}\n" in out
    assert kept not in out and elsewhere not in out
    assert all(default_storage.exists(name) for name in files)


@pytest.mark.django_db
def test_the_orphan_command_skips_files_younger_than_the_minimum_age(files):
    _, orphan, _ = files
    assert orphan not in run()  # a write that stored it may not have committed yet


@pytest.mark.django_db
def test_the_orphan_command_deletes_only_orphans(files):
    kept, orphan, elsewhere = files
    out = run("--delete", "--min-age-minutes", "0")
    assert f"Removed {orphan}\n" in out
    assert not default_storage.exists(orphan)
    assert default_storage.exists(kept) and default_storage.exists(elsewhere)
    assert orphan not in run("--min-age-minutes", "0")
