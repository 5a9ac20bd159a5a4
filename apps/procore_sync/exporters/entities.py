"""Trestle records created or changed here go to Procore through sync actions.

A sync action upserts by our `origin_id`, so a batch of up to 1,000 records costs one request and a
retried batch never creates a duplicate. Only records whose synced fingerprint changed are sent:
what was just imported from Procore (an echo) has the fingerprint it came with and stays here.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from ..client import resources
from ..client.sync import SYNC_BATCH, SyncResult
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem
from ..entities import Entity
from ..importers.context import SyncContext
from ..importers.upsert import local_values, synced_print
from ..mapping.common import MappingError, moment, procore_id, required_text, text
from ..mapping.custom_fields import values_to_procore
from ..mapping.people import employee_to_procore
from ..mapping.projects import cost_code_to_procore, project_to_procore, sub_job_to_procore
from ..mapping.vendors import vendor_to_procore

CHUNK = 1000
FIX_VALIDATION = "Correct the record in Trestle (or in Procore) and run the sync again."
FIX_UNREAD = (
    "Procore most likely saved it: Retry failed (or the next sync) sends it again, and Procore "
    "matches it by origin_id, so it never makes a second record."
)


def changed_records(ctx: SyncContext, entity: Entity, since: datetime | None) -> Iterator:
    linked = ExternalRef.objects.filter(
        office=ctx.office,
        procore_type=entity.procore_type,
        content_type=ContentType.objects.get_for_model(entity.model),
    ).values("object_id")
    records = entity.model.objects.filter(office=ctx.office)
    if since is not None:
        records = records.filter(models.Q(updated_at__gt=since) | ~models.Q(pk__in=linked))
    return records.order_by("pk").iterator(chunk_size=CHUNK)


def export_entity(ctx: SyncContext, entity: Entity, since: datetime | None, auto: bool):
    """Yields (counts, items) per sync call: changed records are gathered across the scanned
    chunks and a scope's group is sent the moment it fills a call (never outgrows one, which
    the sync action would split), so N changes cost exactly ceil(N/1000) calls per scope."""
    outbox = Outbox()
    iterator = changed_records(ctx, entity, since)
    while chunk := list(islice(iterator, CHUNK)):
        for scope in _collect(ctx, entity, chunk, auto, outbox):
            yield _send(ctx, entity, scope, outbox)
    for scope in list(outbox.groups):
        yield _send(ctx, entity, scope, outbox)
    if outbox.counts or outbox.items:  # refusals found before anything was sent
        yield outbox.counts, outbox.items


@dataclass
class Outbox:
    pending: dict[str, tuple] = field(default_factory=dict)  # origin_id -> (obj, ref, print)
    groups: dict[int | None, list[dict]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter = field(default_factory=Counter)
    items: list[SyncItem] = field(default_factory=list)


def _collect(ctx, entity, chunk, auto, outbox: Outbox) -> Iterator[int | None]:
    """Adds the chunk's changed records to their scope's group; yields a scope as soon as its
    group holds SYNC_BATCH records (the caller sends it before the next record is added)."""
    refs = _refs_of(ctx, entity, chunk)
    relation_ids = _relation_procore_ids(ctx, entity, chunk)
    scopes = _project_scopes(ctx, entity, chunk)
    for obj in chunk:
        ref = refs.get(obj.pk)
        if (ref is None and not auto) or (ref is not None and ref.state == LinkState.UNLINKED):
            continue  # manual mode keeps only linked records in step; unlinked ones stay here
        values = local_values(entity, obj) | {
            key: relation_ids.get((procore_type, getattr(obj, f"{fk}_id")))
            for key, (fk, procore_type) in entity.relations.items()
        }
        printed = synced_print(entity, values)
        if ref is not None and ref.fingerprint == printed:
            continue
        try:
            body = OUTGOING[entity.name](ctx, obj, values)
        except MappingError as exc:
            outbox.counts["failed"] += 1
            outbox.items.append(_item(entity, obj, Outcome.FAILED, str(exc), FIX_VALIDATION))
            continue
        if "custom_fields" in entity.fields:
            body |= values_to_procore(obj.custom_fields, ctx.cache.get("custom_fields", {}))
        origin_id = (ref.origin_id if ref else "") or entity.origin_id(obj.pk)
        body["origin_id"] = origin_id
        if ref is not None and ref.procore_id:
            body["id"] = ref.procore_id
        outbox.pending[origin_id] = (obj, ref, printed)
        scope = scopes.get(obj.project_id, -1) if scopes is not None else None
        outbox.groups[scope].append(body)
        if len(outbox.groups[scope]) == SYNC_BATCH:
            yield scope


def _send(ctx, entity, scope, outbox: Outbox) -> tuple[Counter, list[SyncItem]]:
    updates = outbox.groups.pop(scope)
    sent = {u["origin_id"]: outbox.pending.pop(u["origin_id"]) for u in updates}
    counts, items = outbox.counts, outbox.items
    outbox.counts, outbox.items = Counter(), []
    result = PUSH[entity.name](ctx, scope, updates)
    _apply_result(ctx, entity, result, sent, counts, items)
    return counts, items


def _project_scopes(ctx, entity: Entity, chunk) -> dict[int, int] | None:
    """Sub-jobs are synced per Procore project (local project pk -> Procore id); others per
    company (None)."""
    if entity.parent_field != "project":
        return None
    refs = (
        ExternalRef.objects.filter(
            office=ctx.office, procore_type="project", object_id__in={o.project_id for o in chunk}
        )
        .exclude(procore_id=None)
        .exclude(state=LinkState.UNLINKED)  # an unmapped project
    )
    return dict(refs.values_list("object_id", "procore_id"))


def _apply_result(ctx, entity, result: SyncResult, pending, counts, items) -> None:
    """Links of what Procore saved are written in bulk (one statement each way); refusals and
    answers that cannot be read land on the records' items and links."""
    links, refused = [], {}
    for record in result.entities:
        obj, ref, printed = _pop(pending, record)
        if obj is None:
            continue
        try:
            links.append(_link(ctx, entity, obj, record, printed))
        except MappingError as exc:  # saved, most likely; sent again, it updates the same one
            message = f"Procore's answer for this record could not be read: {exc}."
            counts["failed"] += 1
            items.append(_item(entity, obj, Outcome.FAILED, message, FIX_UNREAD))
            if ref is not None:
                refused[ref.pk] = message
            continue
        outcome = Outcome.UPDATED if ref is not None else Outcome.CREATED
        counts[f"exported_{outcome}"] += 1
        items.append(_item(entity, obj, outcome, procore_id=links[-1].procore_id))
    ExternalRef.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["office", "procore_type", "content_type", "object_id"],
        update_fields=["procore_id", "origin_id", "fingerprint", "synced_at", "state", "error",
                       "procore_updated_at"],
    )  # fmt: skip
    for error in result.errors:
        obj, ref, _ = _pop(pending, error)
        message = _error_text(error.get("errors"))
        counts["failed"] += 1
        items.append(_item(entity, obj, Outcome.FAILED, f"Procore: {message}", FIX_VALIDATION))
        if ref is not None:
            refused[ref.pk] = message
    for message in set(refused.values()):
        pks = [pk for pk, m in refused.items() if m == message]
        ExternalRef.objects.filter(pk__in=pks).update(state=LinkState.FAILED, error=message)
    for obj, _, _ in pending.values():  # neither saved nor refused: say so, never stay silent
        counts["failed"] += 1
        items.append(_item(entity, obj, Outcome.FAILED, "Procore did not confirm this record."))


def _pop(pending: dict[str, tuple], record: dict) -> tuple:
    """What was sent under the record's origin_id; (None, None, None) when it names none of
    ours (an origin_id that is not text cannot: it is left to "did not confirm")."""
    origin = record.get("origin_id")
    return pending.pop(origin, (None, None, None)) if isinstance(origin, str) else (None,) * 3


def _link(ctx, entity, obj, record: dict, printed: str) -> ExternalRef:
    """The link to the record Procore saved; MappingError when its id or time cannot be read."""
    return ExternalRef(
        office=ctx.office, procore_type=entity.procore_type,
        content_type=ContentType.objects.get_for_model(entity.model), object_id=obj.pk,
        procore_id=procore_id(record), origin_id=record["origin_id"], fingerprint=printed,
        synced_at=timezone.now(), state=LinkState.SYNCED, error="",
        procore_updated_at=moment(record, "updated_at"),
    )  # fmt: skip


def _error_text(errors) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                         for k, v in errors.items())  # fmt: skip
    return str(errors or "rejected without a reason")


def _refs_of(ctx, entity, chunk) -> dict[int, ExternalRef]:
    refs = ExternalRef.objects.filter(
        office=ctx.office,
        procore_type=entity.procore_type,
        content_type=ContentType.objects.get_for_model(entity.model),
        object_id__in=[obj.pk for obj in chunk],
    )
    return {ref.object_id: ref for ref in refs}


def _relation_procore_ids(ctx, entity, chunk) -> dict[tuple[str, int], int]:
    pairs = {
        (procore_type, getattr(obj, f"{fk}_id"))
        for fk, procore_type in entity.relations.values()
        for obj in chunk
        if getattr(obj, f"{fk}_id")
    }
    if not pairs:
        return {}
    query = models.Q()
    for procore_type, local_id in pairs:
        query |= models.Q(procore_type=procore_type, object_id=local_id)
    refs = ExternalRef.objects.filter(query, office=ctx.office).exclude(procore_id=None)
    return {(r.procore_type, r.object_id): r.procore_id for r in refs}


def _item(entity, obj, outcome, message="", fix="", procore_id=None) -> SyncItem:
    return SyncItem(
        entity=entity.name,
        direction="out",
        object_id=obj.pk if obj is not None else None,
        procore_id=procore_id,
        label=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        message=message,
        fix=fix,
    )


def _company(ctx: SyncContext) -> int:
    return ctx.connection.company_id


def _division_ids(ctx: SyncContext) -> tuple[dict[str, int], list[str]]:
    """The company list's divisions by code, and what could not be read of the list (each
    code on its own: one malformed code must not stop the export of every cost code)."""
    codes = resources.standard_cost_codes(
        ctx.client,
        company_id=_company(ctx),
        standard_cost_code_list_id=ctx.settings.cost_code_list_id,
    )
    divisions, unread = {}, []
    for code in codes:
        try:
            if procore_id(code, "parent_id", required=False) is None:
                divisions[text(code, "full_code") or required_text(code, "code")] = procore_id(code)
        except MappingError as exc:
            unread.append(f"{code.get('full_code') or code.get('code') or code.get('id')}: {exc}")
    return divisions, unread


def _cost_code_out(ctx, obj, values) -> dict:
    if "divisions" not in ctx.cache:
        ctx.cache["divisions"] = _division_ids(ctx)
    divisions, unread = ctx.cache["divisions"]
    if obj.division_code not in divisions:
        missing = f"division {obj.division_code} does not exist in the Procore list"
        if unread:
            missing += f" (codes there that could not be read: {'; '.join(unread[:3])})"
        raise MappingError(missing)
    return cost_code_to_procore(obj, division_procore_id=divisions[obj.division_code])


OUTGOING: dict[str, Callable] = {
    "employees": lambda ctx, obj, values: employee_to_procore(
        obj, work_classification_procore_id=values.get("work_classification_procore_id")
    ),
    "projects": lambda ctx, obj, values: project_to_procore(obj),
    "sub_jobs": lambda ctx, obj, values: sub_job_to_procore(obj),
    "vendors": lambda ctx, obj, values: vendor_to_procore(obj),
    "cost_codes": _cost_code_out,
}


def _refuse_unlinked_project(ctx, scope, updates) -> SyncResult:
    return SyncResult(
        errors=[
            {**u, "errors": {"project": ["is not linked to a Procore project yet"]}}
            for u in updates
        ]
    )


PUSH: dict[str, Callable[[SyncContext, int | None, list[dict]], SyncResult]] = {
    "employees": lambda ctx, scope, updates: resources.company_users_sync(
        ctx.client, company_id=_company(ctx), updates=updates
    ),
    "projects": lambda ctx, scope, updates: resources.projects_sync(
        ctx.client, company_id=_company(ctx), updates=updates
    ),
    "sub_jobs": lambda ctx, scope, updates: (
        _refuse_unlinked_project(ctx, scope, updates)
        if scope == -1
        else resources.sub_jobs_sync(ctx.client, project_id=scope, updates=updates)
    ),
    "vendors": lambda ctx, scope, updates: resources.vendors_sync(
        ctx.client, company_id=_company(ctx), updates=updates
    ),
    "cost_codes": lambda ctx, scope, updates: resources.standard_cost_codes_sync(
        ctx.client,
        company_id=_company(ctx),
        standard_cost_code_list_id=ctx.settings.cost_code_list_id,
        updates=updates,
    ),
}
