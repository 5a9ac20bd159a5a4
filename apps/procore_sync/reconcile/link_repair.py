"""Repairs of the links comparer's differences (reconcile/links.py)."""

from django.db import models, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.offices.models import Office

from ..engine_models import Direction, ExternalRef, SyncRun, Trigger
from ..entities import ENTITIES
from ..links import link_unlink
from ..reconcile_models import Difference, Repair
from ..runs import run_queue, sync_settings_for
from .comparison import Enqueue


def links_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """A link to a deleted record is ended at once, as Unlink does; synced fields are synced
    again by one full entities run of their kinds, whose direction settles them. A kind synced
    one way has its links' fingerprints emptied first (as Link again does), so the run brings
    Trestle to Procore's values (synced in) or Procore to Trestle's (synced out)."""
    office = todo[0].office
    runs = []
    with transaction.atomic():
        _unlink([d for d in todo if d.repair == Repair.UNLINK], user)
        again = [d for d in todo if d.repair == Repair.SYNC_AGAIN]
        if again:
            run = _sync_again(office, again, user, enqueue)
            Difference.objects.filter(pk__in=[d.pk for d in again]).update(repair_run=run)
            runs.append(run)
    return runs


def _refs_of(office: Office, differences: list[Difference]) -> models.QuerySet[ExternalRef]:
    query = models.Q(pk__in=[])
    for difference in differences:
        query |= models.Q(procore_type=_procore_type(difference), procore_id=difference.procore_id)
    return ExternalRef.objects.filter(query, office=office).select_related("office__account")


def _unlink(differences: list[Difference], user: User | None) -> None:
    if not differences:
        return
    for link in _refs_of(differences[0].office, differences):
        link_unlink(link=link, user=user)
    Difference.objects.filter(pk__in=[d.pk for d in differences]).update(resolved_at=timezone.now())


def _sync_again(
    office: Office, differences: list[Difference], user: User | None, enqueue: Enqueue
) -> SyncRun:
    by_type = {e.procore_type: e for e in ENTITIES.values()}
    kinds = {by_type[_procore_type(d)].name for d in differences}
    settings = sync_settings_for(office)
    one_way = [
        d for d in differences
        if settings.direction(by_type[_procore_type(d)].name) != Direction.BOTH
    ]  # fmt: skip
    if one_way:
        _refs_of(office, one_way).update(fingerprint="")
    params = {"entities": sorted(kinds), "full": True}
    return run_queue(
        office=office, flow="entities", trigger=Trigger.USER, user=user, params=params,
        enqueue=enqueue,
    )  # fmt: skip


def _procore_type(difference: Difference) -> str:
    return difference.key.partition(":")[0]
