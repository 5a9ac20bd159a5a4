"""Files attached to a COR. They are served only through views that check the account."""

import os
import uuid

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import User

from .models import ChangeOrderRequest, CorAttachment

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def cor_attachment_add(*, cor: ChangeOrderRequest, file: File, user: User) -> CorAttachment:
    """Store `file` under a random name; the uploader's name is kept for display and download."""
    if not file.size:
        raise ValidationError("The file is empty.")
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError("A file can be at most 20 MB.")
    name = os.path.basename(file.name or "")[:255] or "attachment"
    attachment = CorAttachment(cor=cor, name=name, size=file.size, uploaded_by=user)
    extension = os.path.splitext(name)[1][:16]
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(
                account=cor.project.office.account,
                actor=user,
                action="cor.attachment_added",
                target=cor,
                detail={"name": name, "size": file.size},
            )
    except Exception:
        attachment.file.delete(save=False)  # no row, so no file either
        raise
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
