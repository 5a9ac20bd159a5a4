"""COR attachments: uploaded on the COR page, served only through views that check the account."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import Role
from apps.cors import attachments
from apps.cors.attachments import cor_attachment_add
from apps.cors.models import CorAttachment
from apps.cors.services import cor_create
from apps.projects.models import Project

from ..uploads_kit import HTML, PDF, PNG, stored_files, xlsx
from .parties import answer_and_send, make_parties, send, web

pytestmark = pytest.mark.django_db


@pytest.fixture
def cor(tenant):
    project = Project.objects.create(office=tenant.office, number="200", name="PJA")
    return cor_create(project=project, user=tenant.owner, title="Extra outlet", lines=[])


def upload(client, cor, name: str = "plan.pdf", content: bytes = PDF):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"/cors/{cor.pk}/attachments/", {"file": file})


def page_text(client, cor) -> str:
    return client.get(f"/cors/{cor.pk}/").content.decode()


def test_a_pm_uploads_lists_and_downloads_an_attachment(client_as, cor):
    client = client_as(Role.PROJECT_MANAGER)
    assert upload(client, cor)["Location"] == f"/cors/{cor.pk}/"
    attachment = CorAttachment.objects.get()
    assert (attachment.name, attachment.size) == ("plan.pdf", len(PDF))
    assert "plan" not in attachment.file.name  # stored under a random name
    assert attachment.file.name.endswith(".pdf")  # with the extension of its content
    page = client.get(f"/cors/{cor.pk}/").content.decode()
    assert "plan.pdf" in page and 'enctype="multipart/form-data"' in page
    download = client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_files_over_the_upload_limit_and_empty_files_are_refused(client_as, cor, tenant, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    client = client_as(Role.OWNER)
    before = stored_files()
    upload(client, cor, "big.pdf", PDF.ljust(2049, b" "))
    assert "The attachment can be at most 2 KB." in page_text(client, cor)
    upload(client, cor, "empty.pdf", b"")
    assert "empty" in page_text(client, cor)
    assert not CorAttachment.objects.exists() and stored_files() == before
    exactly = ContentFile(PDF.ljust(2048, b" "), name="limit.pdf")
    assert cor_attachment_add(cor=cor, file=exactly, user=tenant.owner).size == 2048
    with pytest.raises(ValidationError, match="at most 2 KB"):
        cor_attachment_add(
            cor=cor, file=ContentFile(PDF.ljust(2049, b" "), name="b.pdf"), user=tenant.owner
        )


def test_the_form_says_what_it_takes_and_the_limit(client_as, cor, settings):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    page = page_text(client_as(Role.OWNER), cor)
    assert "A PDF, an image or an Office document, up to 3 MB." in page


def test_an_html_page_named_pdf_is_refused_by_its_content(client_as, cor):
    client = client_as(Role.OWNER)
    before = stored_files()
    upload(client, cor, "plan.pdf", HTML)
    page = page_text(client, cor)
    assert "must be a PDF, an image or an Office document" in page
    assert "whatever its name says" in page
    assert not CorAttachment.objects.exists() and stored_files() == before


def test_images_are_accepted_and_stored_with_their_own_extension(owner_client, cor):
    upload(owner_client, cor, "photo.pdf", PNG)  # the name lies; the content decides
    attachment = CorAttachment.objects.get()
    assert attachment.file.name.endswith(".png")
    download = owner_client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/")
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="photo.pdf"'


def test_a_spreadsheet_is_accepted_and_downloads_as_one(owner_client, cor):
    upload(owner_client, cor, "quote.xlsx", xlsx())
    attachment = CorAttachment.objects.get()
    assert attachment.file.name.endswith(".xlsx")
    download = owner_client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/")
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert download["Content-Type"] == sheet


def test_a_file_stored_before_the_policy_downloads_as_octet_stream(owner_client, cor):
    legacy = CorAttachment.objects.create(
        cor=cor, name="page.html", size=len(HTML), file=ContentFile(HTML, name="old.html")
    )
    download = owner_client.get(f"/cors/{cor.pk}/attachments/{legacy.pk}/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_failed_save_leaves_no_file_behind(owner_client, cor, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(attachments, "audit_record", refuse)
    before = stored_files()
    with pytest.raises(RuntimeError):
        upload(owner_client, cor)
    assert not CorAttachment.objects.exists() and stored_files() == before


def test_a_refused_role_stores_nothing(client_as, cor):
    before = stored_files()
    assert upload(client_as(Role.FIELD), cor).status_code == 403
    assert stored_files() == before


def test_delete_removes_the_row_then_the_file(client_as, cor, django_capture_on_commit_callbacks):
    client = client_as(Role.ADMIN)
    upload(client, cor)
    attachment = CorAttachment.objects.get()
    stored = attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(f"/cors/{cor.pk}/attachments/{attachment.pk}/delete/")
    assert deleted.status_code == 302
    assert not CorAttachment.objects.exists() and not default_storage.exists(stored)


def test_only_cor_managers_upload_or_delete(client_as, cor, tenant):
    attachment = cor_attachment_add(cor=cor, file=ContentFile(PDF, name="a.pdf"), user=tenant.owner)
    client = client_as(Role.FIELD)
    assert upload(client, cor).status_code == 403
    assert client.post(f"/cors/{cor.pk}/attachments/{attachment.pk}/delete/").status_code == 403
    assert client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 403
    assert CorAttachment.objects.count() == 1


def test_another_account_gets_404_on_every_attachment_route(client, cor, tenant, outsider):
    attachment = cor_attachment_add(cor=cor, file=ContentFile(PDF, name="a.pdf"), user=tenant.owner)
    client.force_login(outsider.owner)
    base = f"/cors/{cor.pk}/attachments/"
    assert upload(client, cor).status_code == 404
    assert client.get(f"{base}{attachment.pk}/").status_code == 404
    assert client.post(f"{base}{attachment.pk}/delete/").status_code == 404
    assert CorAttachment.objects.count() == 1


def test_an_attachment_is_reached_only_through_its_own_cor(owner_client, cor, tenant):
    other = cor_create(project=cor.project, user=tenant.owner, title="Other", lines=[])
    attachment = cor_attachment_add(
        cor=other, file=ContentFile(PDF, name="a.pdf"), user=tenant.owner
    )
    assert owner_client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 404


def test_the_customer_downloads_the_response_attachments_through_the_notification(tenant, outsider):
    parties = make_parties(tenant)
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    contractor = parties.contractor.owner
    attachment = cor_attachment_add(
        cor=cor, file=ContentFile(PDF, name="spec.pdf"), user=contractor
    )
    private = cor_create(project=cor.project, user=contractor, title="Private", lines=[])
    hidden = cor_attachment_add(cor=private, file=ContentFile(PDF, name="no.pdf"), user=contractor)
    customer = web(tenant.owner)
    page = customer.get(f"/change-notifications/{notification.pk}/response/").content.decode()
    assert "spec.pdf" in page and "no.pdf" not in page
    url = f"/change-notifications/{notification.pk}/response/attachments/{attachment.pk}/"
    download = customer.get(url)
    assert b"".join(download.streaming_content) == PDF
    assert customer.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 404
    other = f"/change-notifications/{notification.pk}/response/attachments/{hidden.pk}/"
    assert customer.get(other).status_code == 404
    assert web(outsider.owner).get(url).status_code == 404
