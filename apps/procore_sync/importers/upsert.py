"""Apply a batch of Procore records to Trestle in one transaction, with a fixed number of queries.

Per batch: map every record (a malformed one fails alone), load the links and local records in
bulk, decide per record (create / link / update / deactivate / unchanged / skip), then write with
bulk_create and bulk_update. Echoes of Trestle's own writes come back with the fingerprint we
stored when we wrote them, so they are "unchanged" and trigger nothing.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem
from ..entities import Batch, Entity
from ..mapping.common import MappingError, fingerprint, is_procore_id
from ..mapping.custom_fields import values_from_procore


@dataclass
class ImportOptions:
    office: Any
    auto_import: bool
    two_way: bool
    custom_fields: dict[str, dict] = field(default_factory=dict)  # definitions by key


@dataclass
class Plan:
    counts: Counter = field(default_factory=Counter)
    items: list[SyncItem] = field(default_factory=list)
    create: list[tuple[dict, dict, models.Model]] = field(default_factory=list)
    link: list[tuple[dict, dict, models.Model]] = field(default_factory=list)
    update: list[tuple[dict, dict, models.Model, ExternalRef]] = field(default_factory=list)
    refresh_refs: list[ExternalRef] = field(default_factory=list)
    failed_ids: set[int] = field(default_factory=set)  # still in Procore, though unreadable


def _updated_at(record: dict) -> datetime | None:
    """Procore's `updated_at`, timezone-aware; None when absent or not a real moment."""
    value = record.get("updated_at")
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. February 30th
        return None
    return moment.replace(tzinfo=UTC) if moment and timezone.is_naive(moment) else moment


def procore_mapped(
    entity: Entity, record: dict, batch: Batch, options: ImportOptions
) -> dict | None:
    fields = entity.map_in(record, batch)
    if fields is None:
        return None
    if record.get("deleted_at"):
        fields["active"] = False
    if "custom_fields" in entity.fields:
        fields["custom_fields"] = values_from_procore(record, options.custom_fields)
    return fields


def local_values(entity: Entity, obj: models.Model) -> dict:
    return {name: getattr(obj, name) for name in entity.fields}


def synced_print(entity: Entity, fields: dict) -> str:
    """The fingerprint of what is synced: the entity's fields and its relations' Procore ids."""
    return fingerprint(
        {key: fields.get(key) for key in (*entity.fields, *entity.relations, *entity.many)}
    )


def import_batch(entity: Entity, batch: Batch, options: ImportOptions) -> tuple[Counter, list]:
    """Returns the counts and SyncItems of the batch; writes happen in one transaction."""
    counts, items, _ = import_batch_seen(entity, batch, options)
    return counts, items


def import_batch_seen(entity: Entity, batch: Batch, options: ImportOptions):
    """Like import_batch, also returning the Procore ids the batch held (for orphan checks)."""
    plan = Plan()
    mapped = _map_all(entity, batch, plan, options)
    with transaction.atomic():
        refs = _links(entity, options.office, [pid for pid, _, _ in mapped])
        locals_by_pk = entity.model.objects.in_bulk([r.object_id for r in refs.values()])
        twins = _twins(entity, options, mapped, refs, batch) | _ours(entity, options, mapped, refs)
        for procore_id, fields, record in mapped:
            _decide(entity, options, plan, (procore_id, fields, record), refs, locals_by_pk, twins,
                    batch)  # fmt: skip
        _write(entity, options, plan, batch)
    # A record that failed is still in Procore: seen, so a full pull never deactivates its twin.
    return plan.counts, plan.items, {pid for pid, _, _ in mapped} | plan.failed_ids


def _map_all(entity, batch: Batch, plan: Plan, options) -> list[tuple[int, dict, dict]]:
    """Each record mapped, or failed alone: a malformed record never stops its batch."""
    mapped = []
    for record in batch.records:
        try:
            fields = procore_mapped(entity, _with_id(record), batch, options)
        except MappingError as exc:
            _fail(entity, plan, record, str(exc))
            continue
        except (LookupError, TypeError, ValueError, AttributeError) as exc:  # a shape no rule knew
            _fail(entity, plan, record, f"The record has an unexpected shape ({exc!r})")
            continue
        if fields is None:
            continue  # not one of ours (e.g. a user who is not an employee, or a division)
        mapped.append((record["id"], fields, record))
    return mapped


def _with_id(record: dict) -> dict:
    """The record, once its `id` is a Procore id (an int, as the links store it)."""
    if not isinstance(record, dict):
        raise MappingError(f"the record should be an object, got {type(record).__name__}")
    if not is_procore_id(record.get("id")):
        raise MappingError(f"'id' should be a Procore id, got {record.get('id')!r}")
    return record


def _fail(entity: Entity, plan: Plan, record: Any, message: str) -> None:
    plan.counts["failed"] += 1
    if isinstance(record, dict) and is_procore_id(record.get("id")):
        plan.failed_ids.add(record["id"])
    plan.items.append(_item(entity, record, Outcome.FAILED, message, fix=_FIX_MALFORMED))


ORIGIN = "origin"  # the key kind of twins found by our origin_id (beside natural keys)
_FIX_MALFORMED = "Correct the record in Procore; it is imported on the next run."


def _links(entity: Entity, office, procore_ids: list[int]) -> dict[int, ExternalRef]:
    refs = ExternalRef.objects.filter(
        office=office, procore_type=entity.procore_type, procore_id__in=procore_ids
    )
    return {ref.procore_id: ref for ref in refs}


def _twins(entity, options, mapped, refs, batch) -> dict[str, models.Model]:
    """Unlinked local records with the same natural key: auto-import links, never duplicates."""
    if not (options.auto_import and entity.natural_key):
        return {}
    keys = {
        f[entity.natural_key]
        for pid, f, _ in mapped
        if pid not in refs and f.get(entity.natural_key)
    }
    if not keys:
        return {}
    linked = _linked(entity, options.office)
    candidates = entity.model.objects.filter(
        office=options.office, **{f"{entity.natural_key}__in": keys}
    ).exclude(pk__in=linked)
    parent = f"{entity.parent_field}_id" if entity.parent_field else None
    if parent:
        candidates = candidates.filter(**{f"{parent}__in": set(batch.parents.values())})
    return {
        (getattr(obj, parent) if parent else None, getattr(obj, entity.natural_key)): obj
        for obj in candidates
    }


def _ours(entity, options, mapped, refs) -> dict[tuple, models.Model]:
    """Unlinked local records that Procore's record names in its origin_id: ours, exported by an
    earlier run whose answer was lost. Linked whatever the natural key says, never created."""
    pks = {
        record.get("origin_id"): pk
        for pid, _, record in mapped
        if pid not in refs and (pk := entity.pk_of_origin(record.get("origin_id")))
    }
    if not pks:
        return {}
    found = entity.model.objects.filter(office=options.office, pk__in=pks.values())
    by_pk = {obj.pk: obj for obj in found.exclude(pk__in=_linked(entity, options.office))}
    return {(ORIGIN, origin): by_pk[pk] for origin, pk in pks.items() if pk in by_pk}


def _linked(entity: Entity, office):
    """The local records of `entity` that already have a link (never a twin to link again)."""
    return ExternalRef.objects.filter(
        office=office,
        procore_type=entity.procore_type,
        content_type=ContentType.objects.get_for_model(entity.model),
    ).values("object_id")


def _twin_key(entity: Entity, batch: Batch, procore_id: int, fields: dict) -> tuple:
    parent = batch.parent_of(procore_id) if entity.parent_field else None
    return parent, fields.get(entity.natural_key)


def _decide(entity, options, plan, row, refs, locals_by_pk, twins, batch) -> None:
    procore_id, fields, record = row
    ref = refs.get(procore_id)
    if ref is not None and ref.state == LinkState.UNLINKED:
        plan.counts["unlinked"] += 1  # a person unlinked it: leave both sides alone
        return
    local = locals_by_pk.get(ref.object_id) if ref else None
    new_print = synced_print(entity, fields)
    if local is None:
        if ref is not None:  # the local record is gone: forget the link and treat as new
            plan.refresh_refs.append(ref)
        _decide_unlinked(entity, options, plan, row, twins, batch)
        return
    if ref.fingerprint == new_print:
        plan.counts["unchanged"] += 1
        return
    overwritten = {}
    if (
        options.two_way
        and ref.fingerprint
        and _local_print(entity, local, fields) != ref.fingerprint
    ):
        if (local.updated_at or timezone.now()) > (_updated_at(record) or local.updated_at):
            plan.counts["conflicts_kept_trestle"] += 1
            plan.items.append(
                _item(entity, record, Outcome.SKIPPED, "Changed on both sides; Trestle's change is "
                      "newer and is sent to Procore.", overwritten=_diff(entity, local, fields))
            )  # fmt: skip
            return
        overwritten = _diff(entity, local, fields)
    plan.update.append((fields, record, local, ref))
    outcome = (
        Outcome.DEACTIVATED if local.active and fields.get("active") is False else Outcome.UPDATED
    )
    plan.counts[outcome] += 1
    message = "Changed on both sides; Procore's change is newer." if overwritten else ""
    plan.items.append(_item(entity, record, outcome, message, local=local, overwritten=overwritten))


def _decide_unlinked(entity, options, plan, row, twins, batch) -> None:
    procore_id, fields, record = row
    origin = record.get("origin_id")
    ours = twins.pop((ORIGIN, origin), None) if isinstance(origin, str) else None
    if not options.auto_import and ours is None:
        plan.counts["not_linked"] += 1
        return
    # pop: a local record links to one Procore record only, even if two share the key
    twin = ours or twins.pop(_twin_key(entity, batch, procore_id, fields), None)
    if twin is not None:
        plan.link.append((fields, record, twin))
        plan.counts[Outcome.LINKED] += 1
        plan.items.append(
            _item(entity, record, Outcome.LINKED, "Linked to the existing record.", local=twin)
        )
        return
    if fields.get("active") is False:
        plan.counts["skipped_inactive"] += 1
        return
    plan.create.append((fields, record, entity.model(office=options.office)))
    plan.counts[Outcome.CREATED] += 1


def _local_print(entity: Entity, local: models.Model, incoming: dict) -> str:
    """The fingerprint of the local record in the mapped shape (relations as Procore ids)."""
    values = local_values(entity, local)
    for key in (*entity.relations, *entity.many):
        values[key] = incoming.get(key)  # relations are compared through the incoming side
    return synced_print(entity, values)


def _diff(entity: Entity, local: models.Model, fields: dict) -> dict:
    return {
        name: {"trestle": str(getattr(local, name)), "procore": str(fields[name])}
        for name in entity.fields
        if name in fields and getattr(local, name) != fields[name]
    }


def _item(entity, record, outcome, message="", *, fix="", local=None, overwritten=None) -> SyncItem:
    record = record if isinstance(record, dict) else {}
    label = (
        record.get("name")
        or " ".join(str(record.get(k) or "") for k in ("first_name", "last_name")).strip()
    )
    record_id = record.get("id")
    return SyncItem(
        entity=entity.name,
        direction="in",
        procore_id=record_id if is_procore_id(record_id) else None,
        object_id=local.pk if local is not None else None,
        label=str(label or record.get("id") or "a record without name or id")[:200],
        outcome=outcome,
        message=message,
        fix=fix,
        overwritten=overwritten or {},
    )


def _write(entity: Entity, options: ImportOptions, plan: Plan, batch: Batch) -> None:
    now = timezone.now()
    touched = [*plan.create, *plan.link, *((f, r, o) for f, r, o, _ in plan.update)]
    relation_ids = _resolve_relations(entity, options.office, [f for f, _, _ in touched])
    for fields, record, obj in touched:
        _apply(entity, obj, fields, relation_ids, batch.parent_of(record["id"]))
    entity.model.objects.bulk_create([obj for _, _, obj in plan.create])
    update_fields = [*entity.fields, *(fk for fk, _ in entity.relations.values())]
    entity.model.objects.bulk_update(
        [obj for _, _, obj in (*plan.link, *((f, r, o) for f, r, o, _ in plan.update))],
        [*update_fields, "updated_at"],
    )
    _set_many(entity, options.office, touched)
    ExternalRef.objects.filter(pk__in=[r.pk for r in plan.refresh_refs]).delete()
    content_type = ContentType.objects.get_for_model(entity.model)
    ExternalRef.objects.bulk_create(
        [
            _new_ref(entity, options.office, content_type, fields, record, obj, now)
            for fields, record, obj in (*plan.create, *plan.link)
        ]
    )
    for fields, record, _, ref in plan.update:
        ref.fingerprint, ref.synced_at, ref.state = (
            synced_print(entity, fields),
            now,
            LinkState.SYNCED,
        )
        ref.procore_updated_at, ref.error = _updated_at(record), ""
    ExternalRef.objects.bulk_update(
        [ref for *_, ref in plan.update],
        ["fingerprint", "synced_at", "state", "procore_updated_at", "error"],
    )
    plan.items.extend(
        _item(entity, record, Outcome.CREATED, local=obj) for _, record, obj in plan.create
    )


def _new_ref(entity, office, content_type, fields, record, obj, now) -> ExternalRef:
    return ExternalRef(
        office=office,
        content_type=content_type,
        object_id=obj.pk,
        procore_type=entity.procore_type,
        procore_id=record["id"],
        origin_id=str(record.get("origin_id") or "")[:100],
        fingerprint=synced_print(entity, fields),
        procore_updated_at=_updated_at(record),
        synced_at=now,
    )


def _apply(entity: Entity, obj: models.Model, fields: dict, relation_ids: dict, parent_id):
    for name in entity.fields:
        if name in fields:
            setattr(obj, name, fields[name])
    for key, (fk, procore_type) in entity.relations.items():
        setattr(obj, f"{fk}_id", relation_ids.get((procore_type, fields.get(key))))
    if entity.parent_field:
        setattr(obj, f"{entity.parent_field}_id", parent_id)
    obj.updated_at = timezone.now()  # bulk_update does not apply auto_now


def _resolve_relations(entity: Entity, office, all_fields: list[dict]) -> dict:
    """(procore_type, procore_id) -> local pk for every related record of the batch, one query."""
    wanted: dict[str, set[int]] = {}
    for key, (_, procore_type) in (*entity.relations.items(), *entity.many.items()):
        for fields in all_fields:
            value = fields.get(key)
            ids = value if isinstance(value, list) else [value]
            wanted.setdefault(procore_type, set()).update(i for i in ids if i is not None)
    if not any(wanted.values()):
        return {}
    query = models.Q()
    for procore_type, ids in wanted.items():
        query |= models.Q(procore_type=procore_type, procore_id__in=ids)
    refs = ExternalRef.objects.filter(query, office=office).values_list(
        "procore_type", "procore_id", "object_id"
    )
    return {(t, pid): oid for t, pid, oid in refs}


def _set_many(entity: Entity, office, touched) -> None:
    for key, (m2m, procore_type) in entity.many.items():
        ids = _resolve_relations(entity, office, [f for f, _, _ in touched])
        through = getattr(entity.model, m2m).through
        owners = [obj.pk for _, _, obj in touched]
        source = f"{entity.model._meta.model_name}_id"
        target = next(f.attname for f in through._meta.fields if f.attname not in ("id", source))
        through.objects.filter(**{f"{source}__in": owners}).delete()
        through.objects.bulk_create(
            [
                through(**{source: obj.pk, target: ids[(procore_type, pid)]})
                for fields, _, obj in touched
                for pid in fields.get(key) or []
                if (procore_type, pid) in ids
            ]
        )


def orphans_deactivate(
    entity: Entity, office, seen: set[int], parent_ids=None
) -> tuple[Counter, list]:
    """After a full pull: linked records Procore no longer lists are deactivated (never deleted)
    and their links marked orphaned, so the next full pull can find them again if they return."""
    refs = (
        ExternalRef.objects.filter(office=office, procore_type=entity.procore_type)
        .exclude(procore_id__in=seen)
        .exclude(state=LinkState.ORPHANED)
    )
    if parent_ids is not None:
        refs = refs.filter(
            object_id__in=entity.model.objects.filter(
                **{f"{entity.parent_field}_id__in": parent_ids}
            ).values("pk")
        )
    return _deactivate(entity, list(refs))


def records_gone(entity: Entity, office, procore_ids: set[int]) -> tuple[Counter, list]:
    """Linked records Procore says it deleted (a webhook's delete event): deactivated and their
    links orphaned, as a full pull does for those it no longer lists."""
    refs = ExternalRef.objects.filter(
        office=office, procore_type=entity.procore_type, procore_id__in=procore_ids
    ).exclude(state=LinkState.ORPHANED)
    return _deactivate(entity, list(refs))


def _deactivate(entity: Entity, gone: list[ExternalRef]) -> tuple[Counter, list]:
    if not gone:
        return Counter(), []
    records = entity.model.objects.filter(pk__in=[r.object_id for r in gone], active=True)
    by_pk = {obj.pk: obj for obj in records}
    with transaction.atomic():
        records.update(active=False, updated_at=timezone.now())
        ExternalRef.objects.filter(pk__in=[r.pk for r in gone]).update(
            state=LinkState.ORPHANED, error="Not found in Procore any more."
        )
    items = [
        SyncItem(entity=entity.name, direction="in", procore_id=ref.procore_id,
                 object_id=ref.object_id, label=str(by_pk[ref.object_id])[:200],
                 outcome=Outcome.DEACTIVATED, message="No longer in Procore.")
        for ref in gone if ref.object_id in by_pk
    ]  # fmt: skip
    return Counter({Outcome.DEACTIVATED: len(items)}), items
