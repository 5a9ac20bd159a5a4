"""Sync Activity: runs and connection health kept live, per-record results, Run now, Retry
failed, CSV."""

from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.audit import audit_record
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.csv_export import csv_response
from apps.core.keyset import keyset_page
from apps.core.labels import label
from apps.offices.models import Office

from .. import selectors
from ..engine import FLOWS
from ..engine_models import Outcome, RunStatus, SyncRun, Trigger
from ..runs import run_queue, run_retry_failed
from ..tasks import enqueue_run
from ..work import NothingLeft

# The filter names flows as the runs table does: both read apps.core.labels.
FLOW_CHOICES = [("", "All flows"), *((flow, label(flow)) for flow in FLOWS)]


class RunFilterForm(forms.Form):
    office = forms.IntegerField(required=False)
    flow = forms.ChoiceField(choices=FLOW_CHOICES, required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *RunStatus.choices], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@permission_required("sync.view")
def sync_activity(request):
    """The page, or (polled by htmx every few seconds) only its runs and each card's details."""
    form = RunFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    runs = selectors.sync_run_list(
        account=request.account,
        office_id=filters.get("office"),
        flow=filters.get("flow") or "",
        status=filters.get("status") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    context = {
        "page": Paginator(runs, 25).get_page(request.GET.get("page")),
        "health": selectors.connection_health_list(account=request.account),
    }
    if request.htmx:
        return render(request, "procore_sync/sync_activity_live.html", context)
    context |= {"form": form, "offices": Office.objects.for_account(request.account)}
    return render(request, "procore_sync/sync_activity.html", context)


@login_required
@permission_required("sync.view")
def sync_run_detail(request, run_id: int):
    run = get_for_account_or_404(
        SyncRun.objects.select_related("office"), request.account, pk=run_id
    )
    outcome = request.GET.get("outcome", "")
    items = selectors.sync_item_list(run=run, outcome=outcome)
    cursor = request.GET.get("cursor", "")
    context = {
        "run": run,
        "items": keyset_page(items, order=("pk",), cursor=cursor, size=100),
        "outcome": outcome,
        "outcomes": Outcome.choices,
    }
    template = "procore_sync/run_progress.html" if request.htmx else "procore_sync/run_detail.html"
    return render(request, template, context)


CSV_HEADER = ["entity", "direction", "label", "procore_id", "outcome", "message", "fix"]


def _item_rows(run: SyncRun) -> Iterator[list]:
    for item in run.items.iterator():
        yield [item.entity, item.direction, item.label, item.procore_id or "", item.outcome,
               item.message, item.fix]  # fmt: skip


@login_required
@permission_required("sync.view")
def sync_run_csv(request, run_id: int):
    run = get_for_account_or_404(SyncRun, request.account, pk=run_id)
    return csv_response(filename=f"sync-run-{run.pk}.csv", header=CSV_HEADER, rows=_item_rows(run))


@login_required
@require_POST
@permission_required("sync.run")
def sync_run_now(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    run = run_queue(
        office=office,
        flow=request.POST.get("flow", "entities"),
        trigger=Trigger.USER,
        user=request.user,
        params={"full": bool(request.POST.get("full"))},
        enqueue=enqueue_run,
    )
    audit_record(account=request.account, actor=request.user, action="sync.started", target=run)
    messages.success(request, f"Sync of {office} queued.")
    return redirect("sync_run_detail", run_id=run.pk)


@login_required
@require_POST
@permission_required("sync.run")
def sync_run_retry(request, run_id: int):
    run = get_for_account_or_404(SyncRun, request.account, pk=run_id)
    try:
        retry = run_retry_failed(run=run, user=request.user, enqueue=enqueue_run)
    except NothingLeft as exc:
        messages.info(request, str(exc))
        return redirect("sync_run_detail", run_id=run.pk)
    audit_record(account=request.account, actor=request.user, action="sync.retried", target=retry)
    messages.success(request, "What this run left undone is being sent again.")
    return redirect("sync_run_detail", run_id=retry.pk)
