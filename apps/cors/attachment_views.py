"""Upload, download and delete a COR's attachments. Files are never served from a public URL."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core import uploads

from . import attachments
from .models import ChangeOrderRequest, CorAttachment


class AttachmentForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = uploads.size_in_words(settings.UPLOAD_MAX_BYTES)
        accepted = attachments.ATTACHMENT.label
        self.fields["file"].help_text = f"{accepted[:1].upper()}{accepted[1:]}, up to {limit}."


def attachment_response(attachment: CorAttachment) -> FileResponse:
    """A download (never shown inline) under the name it was uploaded with."""
    return uploads.file_response(attachment.file, filename=attachment.name)


@login_required
@require_POST
@permission_required("cors.manage")
def cor_attachment_upload(request, cor_id: int):
    cor = get_for_account_or_404(
        ChangeOrderRequest.objects.select_related("project__office"), request.account, pk=cor_id
    )
    form = AttachmentForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["file"])
        attachment = attachments.cor_attachment_add(
            cor=cor, file=form.cleaned_data["file"], user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{attachment} attached.")
    return redirect("cor_detail", cor_id=cor.pk)


@login_required
@require_GET
@permission_required("cors.view")
def cor_attachment_download(request, cor_id: int, attachment_id: int):
    attachment = get_for_account_or_404(
        CorAttachment.objects.all(), request.account, pk=attachment_id, cor_id=cor_id
    )
    return attachment_response(attachment)


@login_required
@require_POST
@permission_required("cors.manage")
def cor_attachment_delete(request, cor_id: int, attachment_id: int):
    attachment = get_for_account_or_404(
        CorAttachment.objects.select_related("cor__project__office"),
        request.account,
        pk=attachment_id,
        cor_id=cor_id,
    )
    attachments.cor_attachment_delete(attachment=attachment, user=request.user)
    messages.success(request, f"{attachment} deleted.")
    return redirect("cor_detail", cor_id=cor_id)
