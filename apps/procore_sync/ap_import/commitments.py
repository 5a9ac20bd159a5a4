"""Commitments (work order and purchase order contracts) of a mapped project, linked by an
ExternalRef "commitment"; the vendor is found through the vendor's own link."""

from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from apps.ap_invoices.models import Commitment, Vendor
from apps.offices.models import Office
from apps.projects.models import Project

from ..client import resources
from ..client.http import ProcoreClient
from ..engine_models import ExternalRef, Outcome, SyncItem
from .mapping import KINDS, commitment_fields, vendor_id_of

COMMITMENT = "commitment"


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


def commitments_import(
    client: ProcoreClient, project: Project, procore_project_id: int
) -> tuple[Counter, list[SyncItem]]:
    office = project.office
    contracts = list(_contracts(client, procore_project_id))
    vendors = linked_ids(office, "vendor", Vendor, [vendor_id_of(r) for _, r in contracts])
    counts, items = Counter(), []
    for resource, record in contracts:
        fields = commitment_fields(record, resource)
        fields["project"] = project
        fields["vendor_id"] = vendors.get(vendor_id_of(record))
        outcome = _upsert(office, int(record["id"]), fields)
        if outcome:
            counts[outcome] += 1
            label = f"{fields['number']} {fields['title']}".strip()[:200]
            items.append(
                SyncItem(
                    entity="commitments",
                    direction="in",
                    procore_id=record["id"],
                    label=label,
                    outcome=outcome,
                )
            )
    return counts, items


@transaction.atomic
def _upsert(office: Office, procore_id: int, fields: dict) -> str | None:
    """created / updated, or None when nothing changed."""
    content_type = ContentType.objects.get_for_model(Commitment)
    ref = (
        ExternalRef.objects.select_for_update()
        .filter(office=office, procore_type=COMMITMENT, procore_id=procore_id)
        .first()
    )
    commitment = Commitment.objects.filter(pk=ref.object_id).first() if ref else None
    if commitment is None:
        commitment = Commitment.objects.create(office=office, **fields)
        ExternalRef.objects.update_or_create(
            office=office,
            procore_type=COMMITMENT,
            procore_id=procore_id,
            defaults={
                "content_type": content_type,
                "object_id": commitment.pk,
                "synced_at": timezone.now(),
                "state": "synced",
            },
        )
        return Outcome.CREATED
    changed = [k for k, v in fields.items() if getattr(commitment, k) != v]
    if not changed:
        return None
    for name in changed:
        setattr(commitment, name, fields[name])
    commitment.save()
    ExternalRef.objects.filter(pk=ref.pk).update(synced_at=timezone.now())
    return Outcome.UPDATED
