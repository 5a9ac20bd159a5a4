from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts import policy
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.projects.models import Project

from ..client.errors import ProcoreError
from ..integration import connection_of
from ..models import ConnectionStatus
from ..project_mapping import (
    procore_project_options,
    procore_projects,
    project_map,
    project_mapping,
    project_unmap,
)


@login_required
@permission_required("records.view")
def project_procore(request, record_id: int):
    """Advanced Settings > Procore of a project: see the mapping; Edit to change it, Unmap
    to confirm unmapping it."""
    project = _project(request, record_id)
    connection = connection_of(project.office)
    live = connection is not None and connection.status == ConnectionStatus.CONNECTED
    mapping = project_mapping(project)
    can_map = policy.can(request.membership, "projects.map")
    context = {
        "project": project,
        "mapping": mapping,
        "connection": connection if live else None,
        "can_map": can_map,
        "why_not": policy.reason("projects.map"),
        "editing": "edit" in request.GET and live,
        "unmapping": "unmap" in request.GET and can_map and mapping is not None,
        "query": request.GET.get("q", ""),
    }
    if request.method == "POST":
        policy.require(request.membership, "projects.map")
        return _save(request, project, connection)
    if context["editing"]:
        try:
            context["options"] = procore_project_options(connection, project, context["query"])
        except ProcoreError as exc:
            context["editing"], context["error"] = False, exc.message
    template = "procore_sync/project_options.html" if request.htmx else "procore_sync/project.html"
    return render(request, template, context)


@login_required
@require_POST
@permission_required("records.view")
def project_procore_unmap(request, record_id: int):
    """The POST of the confirm step the project's Procore page shows at ?unmap=1."""
    project = _project(request, record_id)
    policy.require(request.membership, "projects.map")
    try:
        ref = project_unmap(project=project, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{project} is no longer mapped to Procore project #{ref.procore_id}: nothing more "
            "goes to it from this project until you map it again.",
        )
    return redirect("project_procore", record_id=project.pk)


def _project(request, record_id: int) -> Project:
    return get_for_account_or_404(
        Project.objects.select_related("office"), request.account, pk=record_id
    )


def _save(request, project, connection):
    chosen = request.POST.get("procore_project", "")
    options = {p["id"]: p for p in procore_projects(connection)} if connection else {}
    if not chosen.isdigit() or int(chosen) not in options:
        messages.error(request, "Choose one of the company's Procore projects.")
        return redirect(f"{request.path}?edit=1")
    try:
        project_map(project=project, procore_project=options[int(chosen)], user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{request.path}?edit=1")
    messages.success(
        request, f"{project} is mapped to Procore project {options[int(chosen)]['name']}."
    )
    return redirect("project_procore", record_id=project.pk)
