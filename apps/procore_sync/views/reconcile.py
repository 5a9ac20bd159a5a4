"""The "Procore vs Trestle" report page: run it, read it, repair, download it as CSV."""

from collections import Counter
from collections.abc import Iterator
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.policy import can, permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.csv_export import csv_response
from apps.offices.models import Office

from ..reconcile import selectors
from ..reconcile.registry import COMPARERS
from ..reconcile.services import differences_repair, reconcile_queue
from ..reconcile_models import Difference, DiffField
from ..tasks import enqueue_run

FLOW_TITLES = {c.flow: c.title for c in COMPARERS}
CSV_HEADER = ["flow", "object_id", "record", "procore_project_id", "change_event_id"]
CSV_HEADER += ["line_item_id", "procore_id", "key", "field", "trestle_value", "procore_value"]
CSV_HEADER += ["changed_on", "repair", "message", "first_found_at", "found_at"]


@login_required
@permission_required("sync.view")
def reconcile_report(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    differences = selectors.difference_list(account=request.account, office_id=office.pk)
    groups = [
        (flow, FLOW_TITLES[flow], rows, _kinds(rows))
        for flow, rows in ((f, list(r)) for f, r in groupby(differences, key=lambda d: d.flow))
    ]
    context = {
        "office": office,
        "report": selectors.report_latest(office=office),
        "pending": selectors.report_pending(office=office),
        "groups": groups,
        "can_run": can(request.membership, "cors.manage"),
        "repairable": _repairable(request),
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
@permission_required("sync.view")
def difference_repair(request, difference_id: int):
    difference = get_for_account_or_404(Difference, request.account, pk=difference_id)
    _repaired(request, [difference])
    return redirect("reconcile_report", office_id=difference.office_id)


@login_required
@require_POST
@permission_required("sync.view")
def differences_repair_all(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    flow, field = request.POST.get("flow", ""), request.POST.get("field", "")
    if field not in DiffField.values or flow not in FLOW_TITLES:
        messages.error(request, "Choose which kind of difference to repair.")
        return redirect("reconcile_report", office_id=office.pk)
    rows = selectors.difference_list(
        account=request.account, office_id=office.pk, flow=flow, field=field
    )
    _repaired(request, list(rows))
    return redirect("reconcile_report", office_id=office.pk)


def _kinds(rows: list[Difference]) -> list[tuple[str, str, int]]:
    """(field, its name, how many) for the "repair all of this kind" buttons."""
    counts = Counter(d.field for d in rows if d.repair_run_id is None)
    return [(f, DiffField(f).label, n) for f, n in sorted(counts.items())]


def _repaired(request, differences: list[Difference]) -> None:
    refused = {d.flow for d in differences} - set(_repairable(request))
    if refused:
        names = ", ".join(sorted(FLOW_TITLES[f] for f in refused))
        messages.error(request, f"Your role cannot repair these differences ({names}).")
        return
    runs = differences_repair(differences=differences, user=request.user, enqueue=enqueue_run)
    queued = f" {len(runs)} run{'s' if len(runs) != 1 else ''} queued;" if runs else ""
    messages.success(request, f"Repair started:{queued} run the report again to confirm.")


def _repairable(request) -> list[str]:
    return [c.flow for c in COMPARERS if can(request.membership, c.permission)]


def _difference_rows(differences) -> Iterator[list]:
    for d in differences.iterator():
        first = d.first_found_at or d.created_at
        row = [d.flow, d.object_id, d.label, d.procore_project_id, d.change_event_id]
        row += [d.line_item_id, d.procore_id, d.key, d.field, d.trestle_value, d.procore_value]
        row += [d.side, d.repair, d.message, first.isoformat(), d.created_at.isoformat()]
        yield row


@login_required
@permission_required("sync.view")
def reconcile_csv(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    differences = selectors.difference_list(account=request.account, office_id=office.pk)
    filename = f"procore-vs-trestle-{office.pk}.csv"
    return csv_response(filename=filename, header=CSV_HEADER, rows=_difference_rows(differences))
