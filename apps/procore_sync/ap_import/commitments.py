"""Commitments (work order and purchase order contracts) of a mapped project, linked by an
ExternalRef "commitment"; the vendor is found through the vendor's own link."""

from collections import Counter
from collections.abc import Iterable, Iterator

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.ap_invoices.models import Commitment, Vendor
from apps.offices.models import Office
from apps.projects.models import Project

from ..client import resources
from ..client.http import ProcoreClient
from ..client.pages import filters
from ..engine_models import ExternalRef, Outcome, SyncItem
from ..mapping.common import MappingError, is_procore_id, procore_id
from .mapping import KINDS, commitment_fields, vendor_id_of

COMMITMENT = "commitment"
UNREADABLE_FIX = "Correct it in Procore; the next AP import reads it again."


def linked_ids(office: Office, procore_type: str, model, procore_ids) -> dict[int, int]:
    """Procore id -> the pk of the Trestle record linked to it."""
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type=procore_type,
        content_type=ContentType.objects.get_for_model(model),
        procore_id__in=[i for i in procore_ids if i],
    ).exclude(state="unlinked")
    return dict(refs.values_list("procore_id", "object_id"))


def procore_ids_of(office: Office, procore_type: str, model, object_ids) -> dict[int, int]:
    """The pk of a Trestle record -> the Procore id it is linked to."""
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type=procore_type,
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[i for i in object_ids if i],
        procore_id__isnull=False,
    ).exclude(state="unlinked")
    return dict(refs.values_list("object_id", "procore_id"))


def _contracts(client: ProcoreClient, procore_project_id: int):
    for resource in KINDS:
        for record in getattr(resources, resource)(client, project_id=procore_project_id):
            yield resource, record


def commitments_by_id(
    client: ProcoreClient, procore_project_id: int, resource: str, ids: list[int]
) -> Iterator[tuple[str, dict]]:
    """These contracts of one kind (`filters[id]`, one request), as `commitments_import` takes
    them: what a webhook names, without listing the project's every contract."""
    listed = getattr(resources, resource)(
        client, project_id=procore_project_id, params=filters(id=sorted(ids))
    )
    for record in listed:
        yield resource, record


def commitments_import(
    client: ProcoreClient,
    project: Project,
    procore_project_id: int,
    contracts: Iterable[tuple[str, dict]] | None = None,
) -> tuple[Counter, list[SyncItem]]:
    """Each contract on its own: one that cannot be read fails alone, the others are linked.
    `contracts` ((resource, record) pairs): those only, instead of all of the project's."""
    office = project.office
    counts, items, readable = Counter(), [], []
    if contracts is None:
        contracts = _contracts(client, procore_project_id)
    for resource, record in contracts:
        try:
            readable.append(_read(resource, record))
        except MappingError as exc:
            counts[Outcome.FAILED] += 1
            items.append(_unreadable(resource, record, str(exc)))
    vendors = linked_ids(office, "vendor", Vendor, [vendor for _, _, vendor in readable])
    for remote_id, fields, vendor in readable:
        fields |= {"project": project, "vendor_id": vendors.get(vendor)}
        outcome = _upsert(office, remote_id, fields)
        if outcome:
            counts[outcome] += 1
            label = f"{fields['number']} {fields['title']}".strip()[:200]
            items.append(_item(remote_id, label, outcome))
    return counts, items


def _read(resource: str, record: dict) -> tuple[int, dict, int | None]:
    """(Procore id, fields, the vendor's Procore id) of a contract; MappingError names the field."""
    return procore_id(record), commitment_fields(record, resource), vendor_id_of(record)


def _unreadable(resource: str, record: dict, reason: str) -> SyncItem:
    number, known = record.get("number"), record.get("id")
    name = number if isinstance(number, str) and number else f"#{known}"
    kind = resource.removesuffix("s").replace("_", " ")
    item = _item(known if is_procore_id(known) else None, f"{name} ({kind})", Outcome.FAILED)
    item.message = f"Procore's commitment could not be read: {reason}"
    item.fix = UNREADABLE_FIX
    return item


def _item(remote_id: int | None, label: str, outcome: str) -> SyncItem:
    return SyncItem(
        entity="commitments",
        direction="in",
        procore_id=remote_id,
        label=label[:200],
        outcome=outcome,
    )


def _upsert(office: Office, procore_id: int, fields: dict) -> str | None:
    """created / updated, or None when nothing changed. The AP import and a webhook run may
    meet on a new contract: the link's unique key lets one create it, and the other, refused,
    finds that link and updates through it (never a second Commitment)."""
    try:
        return _upsert_once(office, procore_id, fields)
    except IntegrityError:
        return _upsert_once(office, procore_id, fields)


def _ref(office: Office, procore_id: int) -> ExternalRef | None:
    return (
        ExternalRef.objects.select_for_update()
        .filter(office=office, procore_type=COMMITMENT, procore_id=procore_id)
        .first()
    )


@transaction.atomic
def _upsert_once(office: Office, procore_id: int, fields: dict) -> str | None:
    ref = _ref(office, procore_id)
    commitment = Commitment.objects.filter(pk=ref.object_id).first() if ref else None
    if commitment is None:
        commitment = Commitment.objects.create(office=office, **fields)
        link = {"object_id": commitment.pk, "synced_at": timezone.now(), "state": "synced"}
        if ref is None:  # refused (IntegrityError) if another run linked it meanwhile
            ExternalRef.objects.create(
                office=office,
                procore_type=COMMITMENT,
                procore_id=procore_id,
                content_type=ContentType.objects.get_for_model(Commitment),
                **link,
            )
        else:  # its Commitment was deleted here: link the new one
            ExternalRef.objects.filter(pk=ref.pk).update(**link)
        return Outcome.CREATED
    changed = [k for k, v in fields.items() if getattr(commitment, k) != v]
    if not changed:
        return None
    for name in changed:
        setattr(commitment, name, fields[name])
    commitment.save()
    ExternalRef.objects.filter(pk=ref.pk).update(synced_at=timezone.now())
    return Outcome.UPDATED
