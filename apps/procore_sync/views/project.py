from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.accounts import policy
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.projects.models import Project

from ..client.errors import ProcoreError
from ..integration import connection_of
from ..models import ConnectionStatus
from ..project_mapping import procore_projects, project_map, project_mapping


@login_required
@permission_required("records.view")
def project_procore(request, record_id: int):
    """Advanced Settings > Procore of a project: see the mapping; Edit to change it."""
    project = get_for_account_or_404(
        Project.objects.select_related("office"), request.account, pk=record_id
    )
    connection = connection_of(project.office)
    live = connection is not None and connection.status == ConnectionStatus.CONNECTED
    context = {
        "project": project,
        "mapping": project_mapping(project),
        "connection": connection if live else None,
        "can_map": policy.can(request.membership, "projects.map"),
        "why_not": policy.reason("projects.map"),
        "editing": "edit" in request.GET and live,
        "query": request.GET.get("q", ""),
    }
    if request.method == "POST":
        policy.require(request.membership, "projects.map")
        return _save(request, project, connection)
    if context["editing"]:
        try:
            context["options"] = procore_projects(connection, context["query"])
        except ProcoreError as exc:
            context["editing"], context["error"] = False, exc.message
    template = "procore_sync/project_options.html" if request.htmx else "procore_sync/project.html"
    return render(request, template, context)


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
