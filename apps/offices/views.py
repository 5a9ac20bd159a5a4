from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404

from .forms import OfficeForm
from .models import Office
from .services import office_create, office_update


@login_required
@permission_required("offices.view")
def office_list(request):
    offices = Office.objects.for_account(request.account)
    return render(request, "offices/office_list.html", {"offices": offices})


@login_required
@permission_required("offices.view")
def office_detail(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    return render(request, "offices/office_detail.html", {"office": office})


def _save(request, form, save):
    if form.is_valid():
        try:
            return save(form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return None


@login_required
@permission_required("offices.manage")
def office_create_view(request):
    form = OfficeForm(request.POST or None)
    if request.method == "POST":
        office = _save(
            request,
            form,
            lambda data: office_create(account=request.account, actor=request.user, **data),
        )
        if office is not None:
            messages.success(request, f"Office {office} created.")
            return redirect("office_detail", office_id=office.pk)
    return render(request, "offices/office_form.html", {"form": form, "office": None})


@login_required
@permission_required("offices.manage")
def office_edit(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    form = OfficeForm(request.POST or None, instance=Office.objects.get(pk=office.pk))
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: office_update(office=office, actor=request.user, **data),
        )
        if saved is not None:
            messages.success(request, f"Office {saved} saved.")
            return redirect("office_detail", office_id=saved.pk)
    return render(request, "offices/office_form.html", {"form": form, "office": office})
