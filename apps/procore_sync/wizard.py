"""The import wizard's writes: its step, manual import or linking of rows, and the sync settings.

Manual mode shows Procore's records live; each row can be imported (with edited fields) or linked
to an existing Trestle record, so nothing is duplicated. Auto mode leaves it to the first run.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.ap_invoices.models import ApQueue
from apps.offices.models import Office

from .ap_import.invoices import WITHOUT_DOCUMENT
from .client.http import ProcoreClient
from .engine_models import Direction, ExternalRef, ImportWizard, SyncRun, SyncSettings, Trigger
from .entities import ENTITIES, Batch, Entity
from .importers.context import SyncContext
from .importers.fetch import FETCHERS
from .importers.upsert import synced_print
from .live import live_connection
from .mapping.common import MappingError
from .runs import run_queue, sync_settings_for
from .schedules import FULL_NIGHTS_MAX
from .time_export.options import TimeOptions
from .time_export.switch import held_days, switch_queue, switch_refusal

STEPS = ("company", "employees", "projects", "cost_codes", "settings")
MANUAL_ENTITIES = {"employees": "employees", "projects": "projects", "cost_codes": "cost_codes"}
FLOWS = ("entities", "cors", "time", "manpower", "quantities", "ap_invoices", "payments")
FLOW_LABELS = {
    "entities": "Employees, projects, cost codes, vendors",
    "cors": "Push change orders to Procore change events",
    "time": "Send time cards to Procore",
    "manpower": "Publish manpower to daily logs",
    "quantities": "Publish production quantities to daily logs",
    "ap_invoices": "Import approved subcontractor invoices",
    "payments": "Create payments in Procore",
}
TIME_MODES = (("timesheets", "Procore timesheets"), ("daily_logs", "Daily-log timecards"))
TIME_TRIGGERS = (("approved", "When it is approved"), ("submitted", "When it is submitted"))
DEFAULT_AP_QUEUE = "Procore invoices"
AP_MODES = (
    ("auto_queue", "Automatic, into a queue"),
    ("auto_route", "Automatic, and route to reviewers"),
    ("manual", "Manual (Procore Import button)"),
)


def wizard_for(office: Office) -> ImportWizard:
    wizard, _ = ImportWizard.objects.get_or_create(office=office)
    return wizard


def wizard_go(wizard: ImportWizard, step: int) -> None:
    wizard.step = max(1, min(len(STEPS), step))
    wizard.save(update_fields=["step", "updated_at"])


def context_for(office: Office) -> SyncContext:
    connection = live_connection(office)
    return SyncContext(
        office=office,
        connection=connection,
        client=ProcoreClient(connection),
        settings=sync_settings_for(office),
        started_at=timezone.now(),
    )


@dataclass
class Row:
    procore_id: int
    fields: dict
    linked_to: models.Model | None = None
    suggestion: models.Model | None = None
    problem: str = ""


def candidate_rows(ctx: SyncContext, entity: Entity) -> list[Row]:
    """Procore's records of `entity` as the wizard lists them, with links and suggested matches."""
    content_type = ContentType.objects.get_for_model(entity.model)
    links = dict(
        ExternalRef.objects.filter(
            office=ctx.office, procore_type=entity.procore_type, content_type=content_type
        ).values_list("procore_id", "object_id")
    )
    locals_ = {obj.pk: obj for obj in entity.model.objects.filter(office=ctx.office)}
    free = [obj for pk, obj in locals_.items() if pk not in set(links.values())]
    rows = []
    for batch in FETCHERS[entity.name](ctx, None):
        rows.extend(_rows_of(entity, batch, links, locals_, free))
    return rows


def _rows_of(entity, batch: Batch, links, locals_, free) -> list[Row]:
    rows = []
    for record in batch.records:
        try:
            fields = entity.map_in(record, batch)
        except MappingError as exc:
            rows.append(Row(record.get("id") or 0, {}, problem=str(exc)))
            continue
        if fields is None or fields.get("active") is False:
            continue
        row = Row(record["id"], fields, linked_to=locals_.get(links.get(record["id"])))
        row.suggestion = None if row.linked_to else suggest_match(entity, fields, free)
        if entity.name == "projects" and not fields.get("address"):
            row.problem = "No address in Procore: give one below to import this project."
        rows.append(row)
    return rows


MATCH_ORDER = {
    "employees": ("employee_id", "email", "full_name"),
    "projects": ("number", "name"),
    "cost_codes": ("code", "name"),
}


def _match_value(source, key: str) -> str:
    read = source.get if isinstance(source, dict) else lambda k: getattr(source, k, "")
    value = f"{read('first_name')} {read('last_name')}" if key == "full_name" else read(key)
    return str(value or "").strip().lower()


def suggest_match(entity: Entity, fields: dict, free: list[models.Model]) -> models.Model | None:
    """The unlinked Trestle record most likely the same: by employee ID, then email, then name."""
    for key in MATCH_ORDER.get(entity.name, ()):
        wanted = _match_value(fields, key)
        match = next((obj for obj in free if wanted and _match_value(obj, key) == wanted), None)
        if match is not None:
            return match
    return None


@transaction.atomic
def rows_apply(
    *, office: Office, entity: Entity, imports: dict[int, dict], links: dict[int, int], user: User
) -> tuple[int, int]:
    """Create the rows to import (with the fields as edited) and link the others; one link per
    Procore record and per Trestle record. Returns (imported, linked)."""
    content_type = ContentType.objects.get_for_model(entity.model)
    taken = set(
        ExternalRef.objects.filter(office=office, procore_type=entity.procore_type).values_list(
            "procore_id", flat=True
        )
    )
    imported = linked = 0
    for procore_id, fields in imports.items():
        if procore_id in taken:
            continue
        if entity.name == "projects" and not fields.get("address"):
            raise ValidationError(
                f"Project {fields.get('number')} needs an address to be imported."
            )
        obj = entity.model(office=office, **{k: v for k, v in fields.items() if k in entity.fields})
        obj.full_clean(exclude=["office", "work_classification"])
        obj.save()
        _link(office, entity, content_type, procore_id, obj, synced_print(entity, fields))
        imported += 1
    for procore_id, local_id in links.items():
        if procore_id in taken or procore_id in imports:
            continue
        obj = entity.model.objects.filter(office=office, pk=local_id).first()
        if obj is None:
            raise ValidationError("That Trestle record does not exist any more.")
        _link(office, entity, content_type, procore_id, obj, "")  # next run brings it in step
        linked += 1
    audit_record(
        account=office.account,
        actor=user,
        action="procore.wizard_rows",
        target=office,
        detail={"entity": entity.name, "imported": imported, "linked": linked},
    )
    return imported, linked


def _link(office, entity, content_type, procore_id, obj, printed) -> None:
    if ExternalRef.objects.filter(
        office=office, procore_type=entity.procore_type, content_type=content_type, object_id=obj.pk
    ).exists():
        raise ValidationError(f"{obj} is already linked to another Procore record.")
    ExternalRef.objects.create(
        office=office,
        content_type=content_type,
        object_id=obj.pk,
        procore_type=entity.procore_type,
        procore_id=procore_id,
        fingerprint=printed,
        synced_at=timezone.now(),
    )


def mode_save(*, office: Office, entity_name: str, auto: bool, user: User) -> None:
    settings = sync_settings_for(office)
    settings.auto_import = {**settings.auto_import, entity_name: auto}
    settings.save(update_fields=["auto_import"])
    audit_record(
        account=office.account,
        actor=user,
        action="procore.settings_changed",
        target=office,
        detail={f"auto_import.{entity_name}": auto},
    )


def cost_code_list_save(*, office: Office, list_id: int, user: User) -> None:
    settings = sync_settings_for(office)
    settings.cost_code_list_id = list_id
    settings.save(update_fields=["cost_code_list_id"])
    audit_record(account=office.account, actor=user, action="procore.settings_changed",
                 target=office, detail={"cost_code_list_id": list_id})  # fmt: skip


@dataclass
class SettingsChoice:
    directions: dict[str, str]
    flows: dict[str, bool]
    intervals: dict[str, int]
    time_mode: str
    ap_mode: str
    time_trigger: str = ""  # "": keep the office's (approved when never chosen)
    ap_queue_id: int | None = None  # None: keep the office's, or make "Procore invoices"
    ap_allow_edit: bool = False  # imported invoices stay read-only unless this is on
    ap_without_document: str = ""  # "": keep the office's ("wait" when never chosen)
    full_reread_nights: int = 0  # 0: keep the office's (every night when never chosen)


def settings_save(
    *,
    office: Office,
    choice: SettingsChoice,
    user: User,
    enqueue: Callable[[int], None] | None = None,
) -> SyncSettings:
    """Step 5. Time goes either to timesheets or to daily-log timecards, never both: changing
    where it goes moves what Procore holds (withdrawn, then published to the new one, by a run
    recorded in `options["time_switch"]`), or is refused while a day cannot be withdrawn
    (time_export/switch.py)."""
    if choice.time_mode not in dict(TIME_MODES):
        raise ValidationError("Choose where time cards go.")
    if choice.time_trigger and choice.time_trigger not in dict(TIME_TRIGGERS):
        raise ValidationError("Choose when time cards go: on submit or on approval.")
    if choice.ap_mode not in dict(AP_MODES):
        raise ValidationError("Choose how invoices are imported.")
    if choice.ap_without_document and choice.ap_without_document not in dict(WITHOUT_DOCUMENT):
        raise ValidationError("Choose what an invoice without a PDF does: wait, or import.")
    if not 0 <= choice.full_reread_nights <= FULL_NIGHTS_MAX:
        raise ValidationError(f"Re-read everything every 1 to {FULL_NIGHTS_MAX} nights.")
    bad = {v for v in choice.directions.values()} - set(Direction.values)
    if bad or set(choice.directions) - set(ENTITIES):
        raise ValidationError("Choose a direction for each kind of record.")
    queues = ApQueue.objects.filter(office=office, active=True)
    if choice.ap_queue_id is not None and not queues.filter(pk=choice.ap_queue_id).exists():
        raise ValidationError("Choose one of this office's AP queues for imported invoices.")
    settings = sync_settings_for(office)
    old_mode = TimeOptions.of(settings).mode
    switching = choice.time_mode != old_mode
    if switching and (refusal := switch_refusal(office, old_mode)):
        raise ValidationError(refusal)
    with transaction.atomic():  # the switch run starts once the new destination is saved
        before = _settings_view(settings)
        settings.directions = choice.directions
        settings.flows = {f: bool(choice.flows.get(f)) for f in FLOWS}
        settings.intervals = {f: max(5, int(m)) for f, m in choice.intervals.items() if f in FLOWS}
        settings.options = {
            **settings.options,
            "time_export": choice.time_mode,
            "ap_import": choice.ap_mode,
        }
        if choice.time_trigger:
            settings.options["time_trigger"] = choice.time_trigger
        settings.options["ap_allow_edit"] = choice.ap_allow_edit
        if choice.ap_without_document:
            settings.options["ap_without_document"] = choice.ap_without_document
        if choice.full_reread_nights:
            settings.options["full_reread_nights"] = choice.full_reread_nights
        queue_id = choice.ap_queue_id or settings.options.get("ap_queue_id")
        if not queues.filter(pk=queue_id).exists():
            queue_id = ApQueue.objects.get_or_create(office=office, name=DEFAULT_AP_QUEUE)[0].pk
        settings.options["ap_queue_id"] = queue_id
        if switching:  # the run that moves what Procore holds, if it holds anything
            settings.options.pop("time_switch", None)
            if run := _time_switch(office, old_mode, user, enqueue):
                settings.options["time_switch"] = {"from": old_mode, "run": run.pk}
        settings.save()
        after = _settings_view(settings)
        changed = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
        audit_record(account=office.account, actor=user, action="procore.settings_changed",
                     target=office, detail=changed)  # fmt: skip
    return settings


def _time_switch(office: Office, old: str, user: User, enqueue) -> SyncRun | None:
    if enqueue is None and held_days(office, old, maybe=True):
        raise ValueError("Moving time queues a run: pass `enqueue`.")
    return switch_queue(office=office, old=old, user=user, enqueue=enqueue) if enqueue else None


def time_switch_message(settings: SyncSettings, was: str) -> str:
    """What a save just did to where time goes, when it moved from `was` ("" when it stayed)."""
    mode = TimeOptions.of(settings).mode
    if mode == was:
        return ""
    where, run = dict(TIME_MODES)[mode], (settings.options.get("time_switch") or {}).get("run")
    if run is None:
        return f"Time now goes to {where}; Procore held nothing of it to move."
    return (
        f"Time now goes to {where}: run #{run} withdraws what {dict(TIME_MODES)[was]} held in "
        "Procore and publishes the same hours there (Sync Activity)."
    )


def _settings_view(settings: SyncSettings) -> dict:
    return {
        "directions": settings.directions,
        "flows": settings.flows,
        "intervals": settings.intervals,
        "options": settings.options,
    }


def wizard_finish(*, wizard: ImportWizard, user: User, enqueue) -> SyncRun | None:
    """Mark the wizard done and start the first full sync of what was set up. Saving the
    settings again later starts none (None): the schedules read the new settings, and a second
    full import would only re-read everything. The conditional update lets one save win."""
    now = timezone.now()
    first = ImportWizard.objects.filter(pk=wizard.pk, completed_at__isnull=True).update(
        completed_at=now, step=len(STEPS), updated_at=now
    )
    wizard.refresh_from_db()
    if not first:
        return None
    return run_queue(
        office=wizard.office,
        flow="entities",
        trigger=Trigger.USER,
        user=user,
        params={"full": True},
        enqueue=enqueue,
    )
