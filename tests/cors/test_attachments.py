"""COR attachments: uploaded on the COR page, served only through views that check the account."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import Role
from apps.cors.attachments import MAX_ATTACHMENT_BYTES, cor_attachment_add
from apps.cors.models import CorAttachment
from apps.cors.services import cor_create
from apps.projects.models import Project

from .parties import answer_and_send, make_parties, send, web

pytestmark = pytest.mark.django_db


@pytest.fixture
def cor(tenant):
    project = Project.objects.create(office=tenant.office, number="200", name="PJA")
    return cor_create(project=project, user=tenant.owner, title="Extra outlet", lines=[])


def upload(client, cor, name: str = "plan.pdf", content: bytes = b"%PDF-1.4 plan"):
    return client.post(f"/cors/{cor.pk}/attachments/", {"file": SimpleUploadedFile(name, content)})


def test_a_pm_uploads_lists_and_downloads_an_attachment(client_as, cor):
    client = client_as(Role.PROJECT_MANAGER)
    assert upload(client, cor)["Location"] == f"/cors/{cor.pk}/"
    attachment = CorAttachment.objects.get()
    assert (attachment.name, attachment.size) == ("plan.pdf", 13)
    assert "plan" not in attachment.file.name  # stored under a random name
    page = client.get(f"/cors/{cor.pk}/").content.decode()
    assert "plan.pdf" in page and 'enctype="multipart/form-data"' in page
    download = client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 plan"
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'


def test_files_over_20_mb_and_empty_files_are_refused(client_as, cor, tenant):
    client = client_as(Role.OWNER)
    upload(client, cor, "big.bin", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    assert "at most 20 MB" in client.get(f"/cors/{cor.pk}/").content.decode()
    upload(client, cor, "empty.txt", b"")
    assert "empty" in client.get(f"/cors/{cor.pk}/").content.decode()
    assert not CorAttachment.objects.exists()
    exactly = ContentFile(b"x" * MAX_ATTACHMENT_BYTES, name="limit.bin")
    assert cor_attachment_add(cor=cor, file=exactly, user=tenant.owner).size == MAX_ATTACHMENT_BYTES
    with pytest.raises(ValidationError, match="at most 20 MB"):
        cor_attachment_add(
            cor=cor,
            file=ContentFile(b"x" * (MAX_ATTACHMENT_BYTES + 1), name="b"),
            user=tenant.owner,
        )


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
    attachment = cor_attachment_add(
        cor=cor, file=ContentFile(b"x", name="a.txt"), user=tenant.owner
    )
    client = client_as(Role.FIELD)
    assert upload(client, cor).status_code == 403
    assert client.post(f"/cors/{cor.pk}/attachments/{attachment.pk}/delete/").status_code == 403
    assert client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 403
    assert CorAttachment.objects.count() == 1


def test_another_account_gets_404_on_every_attachment_route(client, cor, tenant, outsider):
    attachment = cor_attachment_add(
        cor=cor, file=ContentFile(b"x", name="a.txt"), user=tenant.owner
    )
    client.force_login(outsider.owner)
    base = f"/cors/{cor.pk}/attachments/"
    assert upload(client, cor).status_code == 404
    assert client.get(f"{base}{attachment.pk}/").status_code == 404
    assert client.post(f"{base}{attachment.pk}/delete/").status_code == 404
    assert CorAttachment.objects.count() == 1


def test_an_attachment_is_reached_only_through_its_own_cor(owner_client, cor, tenant):
    other = cor_create(project=cor.project, user=tenant.owner, title="Other", lines=[])
    attachment = cor_attachment_add(
        cor=other, file=ContentFile(b"x", name="a.txt"), user=tenant.owner
    )
    assert owner_client.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 404


def test_the_customer_downloads_the_response_attachments_through_the_notification(tenant, outsider):
    parties = make_parties(tenant)
    notification = send(parties)
    cor = answer_and_send(parties, notification)
    contractor = parties.contractor.owner
    attachment = cor_attachment_add(
        cor=cor, file=ContentFile(b"spec", name="spec.pdf"), user=contractor
    )
    private = cor_create(project=cor.project, user=contractor, title="Private", lines=[])
    hidden = cor_attachment_add(
        cor=private, file=ContentFile(b"no", name="no.pdf"), user=contractor
    )
    customer = web(tenant.owner)
    page = customer.get(f"/change-notifications/{notification.pk}/response/").content.decode()
    assert "spec.pdf" in page and "no.pdf" not in page
    url = f"/change-notifications/{notification.pk}/response/attachments/{attachment.pk}/"
    download = customer.get(url)
    assert b"".join(download.streaming_content) == b"spec"
    assert customer.get(f"/cors/{cor.pk}/attachments/{attachment.pk}/").status_code == 404
    other = f"/change-notifications/{notification.pk}/response/attachments/{hidden.pk}/"
    assert customer.get(other).status_code == 404
    assert web(outsider.owner).get(url).status_code == 404
