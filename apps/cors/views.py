from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.keyset import keyset_page
from apps.projects.models import Project

from . import notifications, services
from .attachment_views import AttachmentForm
from .forms import CorForm, LogFilterForm, line_formset
from .models import ChangeNotification, ChangeOrderRequest, CorStatus
from .selectors import change_event_statuses, cor_list, cor_log_order, statuses_checked
from .signals import cor_log_opened


@login_required
@permission_required("cors.view")
def cor_log(request):
    form = LogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = filters.get("sort") or "-created"
    cors = cor_list(
        account=request.account,
        project_id=filters.get("project"),
        status=filters.get("status") or "",
        q=(filters.get("q") or "").strip(),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        sort=sort,
        change_event_status=filters.get("change_event_status") or "",
        push_state=filters.get("push_state") or "",
    )
    # The page's own poll only reads what webhooks and checks brought; opening it may check.
    polled = request.headers.get("HX-Request") == "true"
    answers = (
        []
        if polled
        else cor_log_opened.send(
            sender=ChangeOrderRequest, account=request.account, refresh="refresh" in request.GET
        )
    )
    checked_at, version = statuses_checked(request.account)
    context = {
        "ce_statuses": change_event_statuses(request.account),
        "statuses_checked_at": checked_at,
        "statuses_checked_seconds": int((timezone.now() - checked_at).total_seconds())
        if checked_at
        else None,
        "statuses_checking": any(answer for _, answer in answers),
        "log_version": version,
        "form": form,
        "page": keyset_page(
            cors, order=cor_log_order(sort), cursor=request.GET.get("cursor", ""), size=50
        ),
        "projects": Project.objects.for_account(request.account).filter(active=True),
        "statuses": CorStatus.choices,
    }
    return render(request, "cors/cor_log.html", context)


@login_required
@permission_required("cors.view")
def cor_log_changed(request):
    """The open log's cheap poll: 204 while its version (`v`) is current; otherwise an empty
    200 whose `HX-Trigger` has the log reload its rows."""
    if request.GET.get("v") == statuses_checked(request.account)[1]:
        return HttpResponse(status=204)
    return HttpResponse(headers={"HX-Trigger": "cor-log-changed"})


def _lines(formset) -> list[services.Line]:
    return [
        services.Line(
            description=f.cleaned_data["description"],
            cost_type=f.cleaned_data["cost_type"],
            quantity=f.cleaned_data["quantity"],
            unit_cost=f.cleaned_data["unit_cost"],
            markup_percent=f.cleaned_data["markup_percent"] or 0,
            unit=f.cleaned_data.get("unit") or "",
            cost_code=f.cleaned_data.get("cost_code"),
            id=f.instance.pk,
        )
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@login_required
@permission_required("cors.manage")
def cor_edit(request, cor_id: int | None = None):
    cor = None
    if cor_id is not None:
        cor = get_for_account_or_404(
            ChangeOrderRequest.objects.select_related("project__office"), request.account, pk=cor_id
        )
    form = CorForm(request.POST or None, instance=cor, account=request.account)
    formset = line_formset(request.POST or None, instance=cor, account=request.account)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {k: form.cleaned_data[k] for k in services.COR_FIELDS}
        try:
            if cor is None:
                cor = services.cor_create(project=form.cleaned_data["project"], user=request.user,
                                          lines=_lines(formset), **fields)  # fmt: skip
            else:
                services.cor_update(cor=cor, user=request.user, lines=_lines(formset), **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{cor} saved.")
            return redirect("cor_detail", cor_id=cor.pk)
    context = {"form": form, "formset": formset, "cor": cor}
    return render(
        request, "cors/cor_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@permission_required("cors.view")
def cor_detail(request, cor_id: int):
    cor = get_for_account_or_404(
        ChangeOrderRequest.objects.select_related("project__office", "created_by"),
        request.account,
        pk=cor_id,
    )
    lines = cor.lines.select_related("cost_code")
    transitions = sorted(services.TRANSITIONS.get(cor.status, ()))
    # The COR's own account is the contractor, which may read the notification it answers.
    notification = (
        ChangeNotification.objects.filter(response_cor=cor).select_related("customer").first()
    )
    if notification is not None:  # approving or rejecting it is the customer's decision
        transitions = [s for s in transitions if s not in notifications.DECISIONS]
    context = {
        "cor": cor,
        "lines": lines,
        "transitions": [(s, CorStatus(s).label) for s in transitions],
        "attachments": cor.attachments.select_related("uploaded_by"),
        "attachment_form": AttachmentForm(),
        "notification": notification,
    }
    return render(request, "cors/cor_detail.html", context)


@login_required
@require_POST
@permission_required("cors.manage")
def cor_status(request, cor_id: int):
    cor = get_for_account_or_404(ChangeOrderRequest.objects.select_related("project__office"),
                                 request.account, pk=cor_id)  # fmt: skip
    try:
        services.cor_set_status(cor=cor, status=request.POST.get("status", ""), user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{cor} is now {cor.get_status_display().lower()}.")
    return redirect("cor_detail", cor_id=cor.pk)
