"""Export now: time cards of an office and a date range to Procore, where the office sends time
(no choice here: hours sent to both destinations would count twice), with the pre-flight shown
per time card before anything is sent (Check), then queued as a SyncRun (Export)."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.offices.models import Office

from ..tasks import enqueue_run
from ..time_export.services import export_preview, time_export_queue
from ..time_export.switch import destination_label


class ExportForm(forms.Form):
    office = forms.IntegerField()
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@permission_required("sync.run")
def time_export(request):
    offices = list(Office.objects.for_account(request.account).order_by("name"))
    data = request.POST if request.method == "POST" else request.GET
    today = timezone.localdate()
    initial = {"start": today - timedelta(days=7), "end": today}
    if offices:
        initial["office"] = offices[0].pk
    form = ExportForm(data if "office" in data else None, initial=initial)
    preview = None
    if form.is_bound and form.is_valid():
        office = get_for_account_or_404(Office, request.account, pk=form.cleaned_data["office"])
        values = {k: form.cleaned_data[k] for k in ("start", "end")}
        try:
            if request.method == "POST" and not data.get("check"):
                run = time_export_queue(
                    office=office, user=request.user, enqueue=enqueue_run, **values
                )
                where = destination_label(office)
                messages.success(request, f"Exporting the time of {office} to {where}.")
                return redirect("sync_run_detail", run_id=run.pk)
            preview = export_preview(office=office, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
    destinations = [(o, destination_label(o)) for o in offices]
    context = {"form": form, "destinations": destinations, "preview": preview}
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "procore_sync/time_export.html", context, status=status)
