"""Production quantities pages: a project's quantities by day, add, edit, delete."""

from datetime import date as Date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.projects.models import Project

from . import quantities
from .forms import QuantityForm, add_service_error
from .models import ProductionQuantity
from .selectors import quantity_list

FIELDS = ("cost_code", "date", "quantity", "unit", "description")


def _day(text: str) -> Date | None:
    try:
        return Date.fromisoformat(text)
    except ValueError:
        return None


def _list_url(record: ProductionQuantity) -> str:
    url = reverse("quantity_list")
    return f"{url}?project={record.project_id}&date={record.date.isoformat()}"


@login_required
@permission_required("time.view")
def quantity_list_view(request):
    """Filter by project and one day (or all days); newest day first."""
    account = request.account
    projects = Project.objects.for_account(account).filter(active=True)
    project_id = request.GET.get("project", "")
    day = _day(request.GET.get("date", ""))
    records = quantity_list(
        account=account,
        project_id=int(project_id) if project_id.isdigit() else None,
        date_from=day,
        date_to=day,
    ).order_by("-date", "project__number", "cost_code__code", "pk")
    context = {
        "projects": projects,
        "page": Paginator(records, 100).get_page(request.GET.get("page")),
        "day": day,
    }
    return render(request, "timecards/quantity_list.html", context)


@login_required
@permission_required("time.enter")
def quantity_edit(request, quantity_id: int | None = None):
    record = None
    if quantity_id is not None:
        record = get_for_account_or_404(
            ProductionQuantity.objects.select_related("project__office"),
            request.account,
            pk=quantity_id,
        )
    initial = {name: getattr(record, name) for name in ("project", *FIELDS)} if record else {}
    initial = initial or request.GET.dict()
    form = QuantityForm(
        request.POST or None, initial=initial, account=request.account, record=record
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in FIELDS}
        try:
            if record is None:
                record = quantities.quantity_create(
                    project=form.cleaned_data["project"], user=request.user, **fields
                )
            else:
                record = quantities.quantity_update(record=record, user=request.user, **fields)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Saved {record}.")
            return redirect(_list_url(record))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "record": record}
    return render(request, "timecards/quantity_form.html", context, status=status)


@login_required
@require_POST
@permission_required("time.enter")
def quantity_delete(request: HttpRequest, quantity_id: int):
    record = get_for_account_or_404(
        ProductionQuantity.objects.select_related("project__office"),
        request.account,
        pk=quantity_id,
    )
    url = _list_url(record)
    quantities.quantity_delete(record=record, user=request.user)
    messages.success(request, f"Deleted {record}.")
    return redirect(url)
