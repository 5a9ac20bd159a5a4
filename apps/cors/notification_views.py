"""Change notification pages: list, send, answer, decide, and the customer's read-only response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.present import full_stop

from . import notifications
from .attachment_views import attachment_response
from .models import ChangeNotification, NotificationStatus
from .notification_forms import (
    BOX_CHOICES,
    AnswerForm,
    NotificationFilterForm,
    NotificationForm,
    PartnerAddForm,
)
from .notifications_selectors import (
    notifications_for,
    partners_of,
    response_visible,
    shared_response_cor,
)


def _notification(request, notification_id: int) -> ChangeNotification:
    """A notification the current account sent or received, else 404."""
    related = ("customer", "contractor", "customer_project", "response_cor__project", "sent_by")
    queryset = ChangeNotification.objects.select_related(*related)
    return get_for_account_or_404(queryset, request.account, pk=notification_id)


@login_required
@permission_required("notifications.view")
def notification_list(request):
    form = NotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    box = filters.get("box") or "sent"
    found = notifications_for(
        account=request.account,
        box=box,
        status=filters.get("status") or "",
        q=(filters.get("q") or "").strip(),
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "box": box,
        "boxes": BOX_CHOICES,
        "statuses": NotificationStatus.choices,
        "visible_responses": {n.pk for n in page if response_visible(n, request.account)},
    }
    return render(request, "cors/notification_list.html", context)


@login_required
@permission_required("notifications.manage")
def notification_create(request):
    form = NotificationForm(request.POST or None, account=request.account)
    if request.method == "POST" and form.is_valid():
        try:
            notification = notifications.notification_send(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            sent_to = full_stop(notification.contractor)
            messages.success(request, f"{notification} sent to {sent_to}")
            return redirect("change_notification_detail", notification_id=notification.pk)
    context = {"form": form, "has_partners": form.fields["contractor"].queryset.exists()}
    status = 400 if request.method == "POST" else 200
    return render(request, "cors/notification_form.html", context, status=status)


@login_required
@permission_required("partners.manage")
def partners(request):
    form = PartnerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = notifications.partner_add(
                customer=request.account, code=form.cleaned_data["code"], user=request.user
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, f"{partner.contractor} is now a trading partner.")
            return redirect("change_notification_partners")
    contractors, customers = partners_of(request.account)
    context = {
        "form": form,
        "code": notifications.partner_code(request.account),
        "contractors": contractors,
        "customers": customers,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "cors/notification_partners.html", context, status=status)


@login_required
@require_GET
@permission_required("notifications.view")
def notification_detail(request, notification_id: int):
    notification = _notification(request, notification_id)
    is_contractor = notification.contractor_id == request.account.pk
    answerable = is_contractor and notifications.notification_answerable(notification)
    context = {
        "notification": notification,
        "is_customer": notification.customer_id == request.account.pk,
        "is_contractor": is_contractor,
        "response_visible": response_visible(notification, request.account),
        "answer_form": AnswerForm(account=request.account) if answerable else None,
    }
    return render(request, "cors/notification_detail.html", context)


@login_required
@require_POST
@permission_required("notifications.manage")
def notification_answer(request, notification_id: int):
    notification = _notification(request, notification_id)
    form = AnswerForm(request.POST, account=request.account)
    if not form.is_valid():
        messages.error(request, "Choose one of your active projects for the COR.")
        return redirect("change_notification_detail", notification_id=notification.pk)
    try:
        cor = notifications.notification_answer(
            notification=notification,
            contractor_project=form.cleaned_data["project"],
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("change_notification_detail", notification_id=notification.pk)
    messages.success(
        request, f"{cor} started: add its lines, then mark it sent to answer {notification}."
    )
    return redirect("cor_edit", cor_id=cor.pk)


@login_required
@require_POST
@permission_required("notifications.manage")
def notification_decide(request, notification_id: int):
    notification = _notification(request, notification_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("accept", "reject"):
            raise ValidationError("Choose to accept or reject the response.")
        notifications.notification_decide(
            notification=notification,
            account=request.account,
            accept=decision == "accept",
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{notification}: response {decision}ed.")
    return redirect("change_notification_detail", notification_id=notification.pk)


@login_required
@require_POST
@permission_required("notifications.manage")
def notification_withdraw(request, notification_id: int):
    notification = _notification(request, notification_id)
    try:
        notifications.notification_withdraw(
            notification=notification, account=request.account, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{notification} withdrawn.")
    return redirect("change_notification_detail", notification_id=notification.pk)


@login_required
@require_GET
@permission_required("notifications.view")
def notification_response(request, notification_id: int):
    """The response COR, read-only: the customer's only view of the contractor's records."""
    shared = shared_response_cor(account=request.account, notification_id=notification_id)
    if shared is None:
        raise Http404("No response to show here")
    context = {
        "notification": shared.notification,
        "cor": shared.cor,
        "lines": shared.lines,
        "attachments": shared.attachments,
        "is_customer": shared.notification.customer_id == request.account.pk,
    }
    return render(request, "cors/notification_response.html", context)


@login_required
@require_GET
@permission_required("notifications.view")
def notification_attachment(request, notification_id: int, attachment_id: int):
    shared = shared_response_cor(account=request.account, notification_id=notification_id)
    attachments = {a.pk: a for a in shared.attachments} if shared else {}
    attachment = attachments.get(attachment_id)
    if attachment is None:
        raise Http404("No attachment here")
    return attachment_response(attachment)
