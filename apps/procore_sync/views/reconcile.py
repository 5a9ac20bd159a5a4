"""The "Procore vs Trestle" report page: run it, read it, repair, download it as CSV."""

from collections import Counter
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.policy import can, permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.csv_export import SafeWriter
from apps.offices.models import Office

from ..reconcile import selectors
from ..reconcile.services import differences_repair, reconcile_queue
from ..reconcile_models import Difference, DiffField
from ..tasks import enqueue_run

FLOW_TITLES = {"cor_push": "CORs pushed to Change Events"}
CSV_HEADER = ["flow", "cor_id", "record", "procore_project_id", "change_event_id"]
CSV_HEADER += ["line_item_id", "field", "trestle_value", "procore_value", "changed_on"]
CSV_HEADER += ["repair", "message", "found_at"]


@login_required
@permission_required("sync.view")
def reconcile_report(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    differences = selectors.difference_list(account=request.account, office_id=office.pk)
    groups = [
        (FLOW_TITLES.get(flow, flow), rows, _kinds(rows))
        for flow, rows in ((f, list(r)) for f, r in groupby(differences, key=lambda d: d.flow))
    ]
    context = {
        "office": office,
        "report": selectors.report_latest(office=office),
        "pending": selectors.report_pending(office=office),
        "groups": groups,
        "can_repair": can(request.membership, "cors.manage"),
    }
    return render(request, "procore_sync/reconcile.html", context)


@login_required
@require_POST
@permission_required("cors.manage")
def reconcile_run(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    reconcile_queue(office=office, user=request.user, enqueue=enqueue_run)
    messages.success(request, "Procore is being compared with Trestle; reload in a moment.")
    return redirect("reconcile_report", office_id=office.pk)


@login_required
@require_POST
@permission_required("cors.manage")
def difference_repair(request, difference_id: int):
    difference = get_for_account_or_404(Difference, request.account, pk=difference_id)
    _repaired(request, [difference])
    return redirect("reconcile_report", office_id=difference.office_id)


@login_required
@require_POST
@permission_required("cors.manage")
def differences_repair_all(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    field = request.POST.get("field", "")
    if field not in DiffField.values:
        messages.error(request, "Choose which kind of difference to repair.")
        return redirect("reconcile_report", office_id=office.pk)
    rows = selectors.difference_list(account=request.account, office_id=office.pk, field=field)
    _repaired(request, list(rows))
    return redirect("reconcile_report", office_id=office.pk)


def _kinds(rows: list[Difference]) -> list[tuple[str, str, int]]:
    """(field, its name, how many) for the "repair all of this kind" buttons."""
    counts = Counter(d.field for d in rows if d.repair_run_id is None)
    return [(f, DiffField(f).label, n) for f, n in sorted(counts.items())]


def _repaired(request, differences: list[Difference]) -> None:
    runs = differences_repair(differences=differences, user=request.user, enqueue=enqueue_run)
    pushes = f" {len(runs)} push{'es' if len(runs) != 1 else ''} queued;" if runs else ""
    messages.success(request, f"Repair started:{pushes} run the report again to confirm.")


@login_required
@permission_required("sync.view")
def reconcile_csv(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="procore-vs-trestle-{office.pk}.csv"'
    writer = SafeWriter(response)
    writer.writerow(CSV_HEADER)
    for d in selectors.difference_list(account=request.account, office_id=office.pk):
        row = [d.flow, d.object_id, d.label, d.procore_project_id, d.change_event_id,
               d.line_item_id, d.field, d.trestle_value, d.procore_value, d.side, d.repair,
               d.message, d.created_at.isoformat()]  # fmt: skip
        writer.writerow(row)
    return response
