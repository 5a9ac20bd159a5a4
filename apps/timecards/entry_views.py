"""Pages on time card entries: the list and its CSV export, the approval queue, one entry's form,
and the status actions (submit, approve, reject) on the entries ticked in any of them.

Field users see and enter every entry of their account (crews cross people); approving and
rejecting are for owners, admins and project managers ("time.approve").
"""

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.accounts import policy
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.csv_export import csv_response
from apps.core.keyset import keyset_page

from . import services
from .forms import EntryFilterForm, EntryForm, add_service_error
from .models import EntryStatus, TimeCardEntry
from .selectors import entry_list, live_entries

PAGE_SIZE = 50
APPROVALS_PAGE_SIZE = 200
LIST_ORDER = ("-date", "employee__last_name", "employee__first_name", "pk")
APPROVALS_ORDER = ("date", "employee__last_name", "employee__first_name", "pk")
ENTRY_FIELDS = ("employee", "date", "hours", "sub_job", "cost_code", "time_type")
ENTRY_FIELDS += ("work_classification", "crew", "billable", "description")


def _can_approve(request: HttpRequest) -> bool:
    return policy.can(request.membership, "time.approve")


def _query_without_page(request: HttpRequest) -> str:
    """The filters alone, for the CSV export's link."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    return query.urlencode()


def _filtered(request: HttpRequest, form: EntryFilterForm) -> tuple[QuerySet, int]:
    """The entries the filters select and 200, or none and 400 when a filter is malformed
    (the page shows which one)."""
    filters = form.filters()
    if filters is None:
        return entry_list(account=request.account).none(), 400
    return entry_list(account=request.account, **filters), 200


@login_required
@permission_required("time.view")
def timecard_list(request):
    form = EntryFilterForm(request.GET or None, account=request.account)
    entries, status = _filtered(request, form)
    cursor = request.GET.get("cursor", "")
    context = {
        "form": form,
        "page": keyset_page(entries, order=LIST_ORDER, cursor=cursor, size=PAGE_SIZE),
        "query": _query_without_page(request),
    }
    return render(request, "timecards/entry_list.html", context, status=status)


@login_required
@permission_required("time.approve")
def timecard_approvals(request):
    """Submitted entries by default; the filters can show any status."""
    data = request.GET.copy()
    data.setdefault("status", EntryStatus.SUBMITTED)
    form = EntryFilterForm(data, account=request.account)
    entries, status = _filtered(request, form)
    cursor = request.GET.get("cursor", "")
    context = {
        "form": form,
        "page": keyset_page(
            entries, order=APPROVALS_ORDER, cursor=cursor, size=APPROVALS_PAGE_SIZE
        ),
        "query": _query_without_page(request),
    }
    return render(request, "timecards/approvals.html", context, status=status)


# CSV ---------------------------------------------------------------------------------------------

CSV_HEADER = ["Entry ID", "Date", "Employee ID", "Employee", "Project number", "Project"]
CSV_HEADER += ["Sub-job", "Cost code", "Time type", "Work classification", "Crew", "Hours"]
CSV_HEADER += ["Billable", "Description", "Status", "Submitted at", "Decided by", "Decided at"]
CSV_HEADER += ["Rejection reason"]


def _csv_row(entry: TimeCardEntry) -> list[str]:
    sub_job = entry.sub_job.full_code if entry.sub_job else ""
    values = [entry.pk, entry.date.isoformat(), entry.employee.employee_id, entry.employee]
    values += [entry.project.number, entry.project.name, sub_job, entry.cost_code or ""]
    values += [entry.time_type or "", entry.work_classification or "", entry.crew or ""]
    values += [entry.hours, "yes" if entry.billable else "no", entry.description]
    values += [entry.get_status_display(), _iso(entry.submitted_at), entry.decided_by or ""]
    values += [_iso(entry.decided_at), entry.rejection_reason]
    return values


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def _csv_rows(entries) -> Iterator[list[str]]:
    for entry in entries.iterator(chunk_size=1000):  # a server-side cursor: constant memory
        yield _csv_row(entry)


@login_required
@permission_required("time.view")
def timecard_export_csv(request):
    """The filtered entries as CSV, streamed row by row however many there are."""
    form = EntryFilterForm(request.GET or None, account=request.account)
    filters = form.filters()
    if filters is None:
        return HttpResponseBadRequest(form.error_summary(), content_type="text/plain")
    entries = entry_list(account=request.account, **filters).order_by(*APPROVALS_ORDER)
    return csv_response(filename="time-entries.csv", header=CSV_HEADER, rows=_csv_rows(entries))


# Status actions ----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    """Where to go back to: a path of this site only (never a script or another host)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()})
    return target if target and allowed else ""


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request) or "timecard_list")


def _bulk(request: HttpRequest, action, done: str, **extra) -> HttpResponse:
    ids = request.POST.getlist("entries")
    try:
        entries = action(account=request.account, entry_ids=ids, user=request.user, **extra)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{done} {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}."
        )
    return _back(request)


@login_required
@require_POST
@permission_required("time.enter")
def timecard_submit(request):
    return _bulk(request, services.entry_submit, "Submitted")


@login_required
@require_POST
@permission_required("time.approve")
def timecard_approve(request):
    return _bulk(request, services.entry_approve, "Approved")


@login_required
@require_POST
@permission_required("time.approve")
def timecard_reject(request):
    return _bulk(request, services.entry_reject, "Rejected", reason=request.POST.get("reason", ""))


# One entry ---------------------------------------------------------------------------------------


def _entry(request: HttpRequest, entry_id: int) -> TimeCardEntry:
    entries = live_entries(request.account).select_related("project__office", "employee")
    return get_for_account_or_404(entries, request.account, pk=entry_id)


def _initial(entry: TimeCardEntry) -> dict:
    return {"project": entry.project, **{name: getattr(entry, name) for name in ENTRY_FIELDS}}


@login_required
@permission_required("time.enter")
def timecard_entry_edit(request, entry_id: int | None = None):
    entry = _entry(request, entry_id) if entry_id is not None else None
    initial = _initial(entry) if entry else {"billable": True, **request.GET.dict()}
    form = EntryForm(request.POST or None, initial=initial, account=request.account, entry=entry)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ENTRY_FIELDS}
        try:
            if entry is None:
                project = form.cleaned_data["project"]
                entry = services.entry_create(project=project, user=request.user, **fields)
            else:
                entry = services.entry_update(
                    entry=entry, user=request.user, as_approver=_can_approve(request), **fields
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved {entry}.")
            return _back(request)
    context = {"form": form, "entry": entry, "next": _safe_next(request)}
    status = 400 if request.method == "POST" else 200
    return render(request, "timecards/entry_form.html", context, status=status)


@login_required
@require_POST
@permission_required("time.enter")
def timecard_entry_delete(request, entry_id: int):
    entry = _entry(request, entry_id)
    try:
        services.entry_delete(entry=entry, user=request.user, as_approver=_can_approve(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Deleted {entry}.")
    return _back(request)
