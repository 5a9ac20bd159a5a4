"""The five-step Procore import wizard; its state is in the database (ImportWizard)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.ap_invoices.models import ApQueue
from apps.core.labels import label
from apps.offices.models import Office

from .. import wizard as w
from ..client import resources
from ..client.errors import ProcoreError
from ..engine_models import Direction
from ..entities import ENTITIES
from ..live import RunError
from ..schedules import FULL_NIGHTS_MAX, full_reread_nights, interval_of
from ..tasks import enqueue_run
from ..time_export.options import TimeOptions
from ..time_export.switch import switch_preview

EDITABLE = {
    "employees": ("first_name", "last_name", "employee_id", "email"),
    "projects": ("number", "name", "address", "city"),
    "cost_codes": ("code", "name"),
}


@login_required
@permission_required("integrations.manage")
def procore_wizard(request, office_id: int):
    office = get_for_account_or_404(Office, request.account, pk=office_id)
    wizard = w.wizard_for(office)
    if "step" in request.GET:
        w.wizard_go(wizard, int(request.GET["step"]) if request.GET["step"].isdigit() else 1)
        return redirect("procore_wizard", office_id=office.pk)
    try:
        ctx = w.context_for(office)
    except RunError as exc:
        messages.error(request, str(exc))
        return redirect("office_integrations", office_id=office.pk)
    name = w.STEPS[wizard.step - 1]
    handler = {"company": _company, "settings": _settings}.get(name, _records)
    try:
        return handler(request, wizard, ctx, name)
    except ProcoreError as exc:
        messages.error(request, f"Procore: {exc.message}")
        return _render(request, wizard, ctx, {"procore_error": exc.message}, status=502)


def _render(request, wizard, ctx, extra: dict, status: int = 200):
    context = {
        "office": wizard.office,
        "wizard": wizard,
        "steps": [(n + 1, label(s)) for n, s in enumerate(w.STEPS)],
        "connection": ctx.connection,
        "settings": ctx.settings,
        **extra,
    }
    return render(request, "procore_sync/wizard.html", context, status=status)


def _company(request, wizard, ctx, name):
    lists = list(
        resources.standard_cost_code_lists(ctx.client, company_id=ctx.connection.company_id)
    )
    if request.method == "POST":
        chosen = request.POST.get("cost_code_list", "")
        if chosen.isdigit() and int(chosen) in {c["id"] for c in lists}:
            w.cost_code_list_save(office=wizard.office, list_id=int(chosen), user=request.user)
            w.wizard_go(wizard, 2)
            return redirect("procore_wizard", office_id=wizard.office.pk)
        messages.error(request, "Choose the company cost code list to use.")
    return _render(request, wizard, ctx, {"step": name, "cost_code_lists": lists})


def _records(request, wizard, ctx, name):
    entity = ENTITIES[name]
    auto = ctx.settings.auto_import.get(name, True)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("auto", "manual"):
            w.mode_save(
                office=wizard.office, entity_name=name, auto=action == "auto", user=request.user
            )
            return redirect("procore_wizard", office_id=wizard.office.pk)
        if action == "rows":
            return _apply_rows(request, wizard, ctx, entity)
        w.wizard_go(wizard, wizard.step + 1)
        return redirect("procore_wizard", office_id=wizard.office.pk)
    rows = [] if auto else w.candidate_rows(ctx, entity)
    free = entity.model.objects.filter(office=wizard.office)
    context = {"step": name, "entity": entity, "auto": auto, "rows": rows,
               "editable": EDITABLE[name], "free": free}  # fmt: skip
    return _render(request, wizard, ctx, context)


def _apply_rows(request, wizard, ctx, entity):
    rows = {row.procore_id: row for row in w.candidate_rows(ctx, entity)}
    imports, links = {}, {}
    for procore_id, row in rows.items():
        choice = request.POST.get(f"do_{procore_id}", "")
        if choice == "import":
            keys = {f: f"f_{procore_id}_{f}" for f in EDITABLE[entity.name]}
            edited = {f: request.POST[k].strip() for f, k in keys.items() if k in request.POST}
            imports[procore_id] = {**row.fields, **edited}
        elif choice.startswith("link:") and choice[5:].isdigit():
            links[procore_id] = int(choice[5:])
    try:
        imported, linked = w.rows_apply(
            office=wizard.office, entity=entity, imports=imports, links=links, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{imported} imported, {linked} linked.")
    return redirect("procore_wizard", office_id=wizard.office.pk)


def _settings(request, wizard, ctx, name):
    if request.method == "POST":
        choice = w.SettingsChoice(
            directions={e: request.POST.get(f"direction_{e}", Direction.IN) for e in ENTITIES},
            flows={f: request.POST.get(f"flow_{f}") == "on" for f in w.FLOWS},
            intervals={f: _minutes(request.POST.get(f"interval_{f}")) for f in w.FLOWS},
            time_mode=request.POST.get("time_mode", ""),
            ap_mode=request.POST.get("ap_mode", ""),
            time_trigger=request.POST.get("time_trigger", ""),
            ap_queue_id=_int_or_none(request.POST.get("ap_queue")),
            ap_allow_edit=request.POST.get("ap_allow_edit") == "on",
            ap_without_document=request.POST.get("ap_without_document", ""),
            full_reread_nights=_int_or_none(request.POST.get("full_reread_nights")) or 0,
        )
        try:
            settings = w.settings_save(
                office=wizard.office, choice=choice, user=request.user, enqueue=enqueue_run
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            run = w.wizard_finish(wizard=wizard, user=request.user, enqueue=enqueue_run)
            started = " The first sync has started." if run else ""
            messages.success(request, f"Sync settings saved.{started}")
            if moved := w.time_switch_message(settings, TimeOptions.of(ctx.settings).mode):
                messages.info(request, moved)
            if run is None:
                return redirect("procore_wizard", office_id=wizard.office.pk)
            return redirect("sync_run_detail", run_id=run.pk)
    context = {
        "step": name,
        "entities": list(ENTITIES.values()),
        "directions": Direction.choices,
        "flows": [(f, w.FLOW_LABELS[f], _minutes_of(ctx.settings, f)) for f in w.FLOWS],
        "full_reread_nights": full_reread_nights(ctx.settings),
        "full_nights_max": FULL_NIGHTS_MAX,
        "time_modes": w.TIME_MODES,
        "switch": switch_preview(wizard.office, TimeOptions.of(ctx.settings).mode),
        "time_triggers": w.TIME_TRIGGERS,
        "ap_modes": w.AP_MODES,
        "ap_without_document": w.WITHOUT_DOCUMENT,
        "ap_queues": ApQueue.objects.filter(office=wizard.office, active=True),
    }
    return _render(request, wizard, ctx, context)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _minutes(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 60


def _minutes_of(settings, flow: str) -> int:
    """The interval the scheduler uses now (the office's, else the flow's default)."""
    return int(interval_of(settings, flow).total_seconds() // 60)
