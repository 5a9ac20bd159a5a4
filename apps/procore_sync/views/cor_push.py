"""+PROCORE: the push wizard. Step 1 picks the Change Event, step 2 the mode, contract and budget
codes with the pre-flight shown live; Push queues a SyncRun and opens it."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.navigation import in_section
from apps.projects.models import Project

from ..cor_push.options import PushOptions
from ..cor_push.preflight import Problem, plan_push
from ..cor_push.selectors import pushable_cor_list
from ..cor_push.services import push_queue
from ..push_models import CorPush, PushMode
from ..tasks import enqueue_run


@in_section("cor_log")
@login_required
@permission_required("cors.manage")
def cor_push(request):
    data = request.POST if request.method == "POST" else request.GET
    cors, project, error = _selection(request, data)
    if error:
        return render(request, "procore_sync/cor_push.html", {"error": error}, status=400)
    step = "options" if data.get("change_event") else "event"
    try:
        options = _options(data) if step == "options" else PushOptions(title=_title(cors))
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    if step == "options" and "contract" not in data:
        options = replace(options, contract=_earlier_contract(project, cors))
    plan = plan_push(project, cors, options)
    if request.method == "POST" and step == "options" and not data.get("check"):
        if not plan.problems:
            run = push_queue(
                project=project, cors=cors, options=options, user=request.user, enqueue=enqueue_run
            )
            messages.success(request, f"Pushing {len(cors)} COR(s) to Procore.")
            return redirect("sync_run_detail", run_id=run.pk)
        messages.error(request, "Fix the problems below first: nothing was sent.")
    pushed = request.method == "POST" and not data.get("check")
    errors, hints = _notices(plan, step, pushed=pushed)
    context = {
        "step": step,
        "project": project,
        "cors": cors,
        "plan": plan,
        "options": options,
        "data": data,
        "rows": _rows(plan) if step == "options" else [],
        "earlier_event": _earlier_event(plan),
        "modes": PushMode.choices,
        "errors": errors,
        "hints": hints,
    }
    return render(request, "procore_sync/cor_push.html", context, status=400 if pushed else 200)


def _selection(request, data):
    """The selected CORs and the project they go into; an error message instead if unusable."""
    ids = [int(v) for v in data.getlist("cors") if str(v).isdigit()]
    if not ids:
        return [], None, "Select at least one COR in the log, then click +PROCORE."
    project = None
    if data.get("project"):
        project = get_for_account_or_404(
            Project.objects.select_related("office"), request.account, pk=data.get("project")
        )
    if project is None:
        own = pushable_cor_list(account=request.account, project=None, cor_ids=ids)
        projects = {c.project_id for c in own}
        if len(projects) != 1:
            return [], None, "Select CORs of one project: a Change Event belongs to one project."
        project = own[0].project
    cors = list(
        pushable_cor_list(account=request.account, project=project, cor_ids=ids).prefetch_related(
            "lines__cost_code"
        )
    )
    if len(cors) != len(set(ids)):
        return [], None, "Some of the selected CORs cannot be pushed from here."
    return cors, project, ""


def _notices(plan, step: str, *, pushed: bool) -> tuple[list[Problem], list[Problem]]:
    """The push's own problems as errors, and the choices still open as neutral hints: step 1
    does not ask for them yet, and on step 2 a missing choice is an error only once Push is
    pressed without it."""
    whole = [p for p in plan.problems if p.cor_id is None]
    if pushed:
        return whole, []
    hints = [p for p in whole if p.awaits_choice] if step == "options" else []
    return [p for p in whole if not p.awaits_choice], hints


def _title(cors) -> str:
    if len(cors) == 1:
        return f"COR-{cors[0].number:03d} {cors[0].title}"[:255]
    return ", ".join(f"COR-{c.number:03d}" for c in cors)[:255]


def _options(data) -> PushOptions:
    event = data.get("change_event")
    contract = {}
    if ":" in (data.get("contract") or ""):
        kind, _, number = data["contract"].partition(":")
        contract = {"type": kind, "id": number}
    return PushOptions.from_params(
        {
            "mode": data.get("mode") or PushMode.LINES,
            "change_event_id": None if event == "new" else event,
            "title": data.get("title") or "",
            "budget_codes": {k[3:]: v for k, v in data.items() if k.startswith("bc:")},
            "default_budget_code_id": data.get("default_budget_code") or None,
            "contract": contract,
        }
    )


def _earlier_contract(project, cors) -> dict:
    """A re-push proposes the contract the CORs were pushed against, if they agree on one."""
    earlier = CorPush.objects.filter(office=project.office, cor__in=cors).values_list(
        "contract", flat=True
    )
    contracts = {(c.get("type"), c.get("id")) for c in earlier if c}
    if len(contracts) != 1 or len(earlier) != len(cors):
        return {}
    kind, number = contracts.pop()
    return {"type": kind, "id": number}


def _earlier_event(plan) -> int | None:
    """The Change Event all selected CORs are already in, proposed for a re-push."""
    events = {p.change_event_id for p in plan.pushes.values()}
    return events.pop() if len(events) == 1 and len(plan.pushes) == len(plan.cors) else None


def _rows(plan):
    """Per COR: its lines as they will go, the earlier push (previous total) and its problems."""
    return [
        {
            "cor": cor,
            "earlier": plan.pushes.get(cor.pk),
            "lines": plan.wanted.get(cor.pk, []),
            "problems": plan.problems_of(cor.pk),
        }
        for cor in plan.cors
    ]
