"""The sandbox's "change it in Procore" page: pick a company, find a record, edit it.

It plays Procore's own UI for a person running `make run`, so it has no Trestle login; it exists
only where the sandbox is mounted. Forms validate, `edits` makes the change, and the page says
how the change reaches Trestle.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from . import browse, edit_forms, edits
from .models import SandboxCompany


@require_GET
def companies(request: HttpRequest) -> HttpResponse:
    context = {"companies": SandboxCompany.objects.order_by("name")}
    return render(request, "procore_sandbox/change_companies.html", context)


@require_GET
def records(request: HttpRequest, company_id: int, kind: str) -> HttpResponse:
    company, found = get_object_or_404(SandboxCompany, id=company_id), _kind(kind)
    search = request.GET.get("q", "")
    listing = browse.records_list(company=company, kind=found, search=search)
    context = {"company": company, "kind": found, "kinds": edits.KINDS.values()}
    context |= {"listing": listing, "search": search}
    return render(request, "procore_sandbox/change_records.html", context)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, company_id: int, kind: str, record_id: int) -> HttpResponse:
    company, found = get_object_or_404(SandboxCompany, id=company_id), _kind(kind)
    try:
        record = edits.record_get(company=company, kind=found, record_id=record_id)
    except edits.NotFound as error:
        raise Http404(str(error)) from error
    form = edit_forms.form_for(found, record, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            done = edits.record_edit(
                kind=found, company=company, record_id=record.id, **form.cleaned_data
            )
        except edits.EditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done.summary())
            if done.changes:
                messages.info(request, edits.delivery_note(found))
            # back to the list, showing the record just changed
            listing = reverse("procore_sandbox:change_records", args=[company.id, found.slug])
            return redirect(f"{listing}?q={record.id}")
    context = {"company": company, "kind": found, "form": form}
    context["row"] = browse.record_row(found, record)
    return render(request, "procore_sandbox/change_edit.html", context)


def _kind(slug: str) -> edits.Kind:
    if slug not in edits.KINDS:
        raise Http404(f"No kind {slug!r}")
    return edits.KINDS[slug]
