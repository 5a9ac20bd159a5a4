"""Files attached to a COR. They are served only through views that check the account."""

import os
import uuid

from django.core.files import File
from django.db import transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.core import uploads

from .models import ChangeOrderRequest, CorAttachment

# Drawings, photos, quotes and spreadsheets that back a COR; never a page a browser would run.
ATTACHMENT = uploads.Accepts(
    uploads.PDF | uploads.IMAGES | uploads.OFFICE, "a PDF, an image or an Office document"
)


def cor_attachment_add(*, cor: ChangeOrderRequest, file: File, user: User) -> CorAttachment:
    """Store `file` under a random name with the extension of its content; the uploader's name
    is kept for display and download. The file is kept only if its row is."""
    mime = uploads.upload_check(file, accepts=ATTACHMENT, what="The attachment")
    name = os.path.basename(file.name or "")[:255] or "attachment"
    attachment = CorAttachment(cor=cor, name=name, size=file.size, uploaded_by=user)
    with uploads.kept_on_commit() as files:
        stored = f"{uuid.uuid4().hex}{uploads.extension(mime)}"
        attachment.file = files.store(CorAttachment._meta.get_field("file"), file, stored)
        attachment.save()
        audit_record(
            account=cor.project.office.account,
            actor=user,
            action="cor.attachment_added",
            target=cor,
            detail={"name": name, "size": file.size},
        )
    return attachment


@transaction.atomic
def cor_attachment_delete(*, attachment: CorAttachment, user: User) -> None:
    cor, stored = attachment.cor, attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))  # the file goes once the row has gone
    audit_record(
        account=cor.project.office.account,
        actor=user,
        action="cor.attachment_deleted",
        target=cor,
        detail={"name": attachment.name},
    )
