"""Repairs of the AP import comparer's differences: unlink, or import again."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.ap_invoices.models import ApInvoice
from apps.ap_invoices.services import invoice_reopen_imported

from ..ap_import.invoices import invoice_unlink, reimport_queue
from ..engine_models import SyncRun
from ..reconcile_models import Difference, DiffField, Repair
from .comparison import Enqueue


def invoices_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """An invoice Procore deleted is unlinked at once; the others are imported again, by one
    ap_import run of their requisitions, which updates each invoice in place. A queued import
    resolves nothing by itself: the next report shows whether it did."""
    office = todo[0].office
    invoices = ApInvoice.objects.filter(office=office).in_bulk({d.object_id for d in todo})
    with transaction.atomic():
        _unlink([d for d in todo if d.repair == Repair.UNLINK], invoices, user)
        again = [d for d in todo if d.repair == Repair.REIMPORT and d.object_id in invoices]
        if not again:
            return []
        _prepare_rebuild(again, invoices, user)
        chosen: dict[int, set[int]] = defaultdict(set)
        for difference in again:
            chosen[difference.procore_project_id].add(difference.procore_id)
        run = reimport_queue(office=office, requisitions=chosen, user=user, enqueue=enqueue)
        Difference.objects.filter(pk__in=[d.pk for d in again]).update(repair_run=run)
    return [run]


def _unlink(differences: list[Difference], invoices: dict[int, ApInvoice], user) -> None:
    for difference in differences:
        if invoice := invoices.get(difference.object_id):
            invoice_unlink(invoice=invoice, user=user)
    Difference.objects.filter(pk__in=[d.pk for d in differences]).update(resolved_at=timezone.now())


def _prepare_rebuild(
    differences: list[Difference], invoices: dict[int, ApInvoice], user: User | None
) -> None:
    """Each invoice made ready for the import to rebuild it. A processed
    invoice is reopened first (Take Procore's changes), unless only its status differs, which
    the import records on it anyway. One with payments keeps its figures: the import flags it
    "Changed in Procore" for a person to settle, and its difference stands."""
    by_invoice: dict[int, list[Difference]] = defaultdict(list)
    for difference in differences:
        by_invoice[difference.object_id].append(difference)
    for invoice_id, found in by_invoice.items():
        _prepare(invoices[invoice_id], any(d.field != DiffField.STATUS for d in found), user)


def _prepare(invoice: ApInvoice, rebuild: bool, user: User | None) -> None:
    if invoice.processed_at is None:  # rebuilt whatever Procore's timestamp
        ApInvoice.objects.filter(pk=invoice.pk).update(procore_updated_at=None)
    elif rebuild:
        try:
            with transaction.atomic():
                invoice_reopen_imported(invoice=invoice, user=user)
        except ValidationError:
            pass  # payments: flagged by the import, not rebuilt
