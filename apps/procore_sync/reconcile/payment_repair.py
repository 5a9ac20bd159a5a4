"""Repairs of the payments comparer's differences (reconcile/payments.py)."""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Left

from apps.accounts.models import User
from apps.offices.models import Office

from ..ap_payments.queueing import payments_queue
from ..ap_payments.writeback import PAYMENT, payment_content_type
from ..engine_models import ExternalRef, SyncRun
from ..reconcile_models import Difference, Repair
from .comparison import Enqueue
from .payments import RESEND


def payments_repair(todo: list[Difference], user: User | None, enqueue: Enqueue) -> list[SyncRun]:
    """One ap_payments run for the payments: one sent again has its link marked, so the
    write-back replaces what Procore holds (or creates it anew when Procore deleted it); a
    voided one is withdrawn by the write-back's own void. A queued run resolves nothing by
    itself: the next report shows whether it did."""
    office = todo[0].office
    with transaction.atomic():
        _mark_for_resend(office, {d.object_id for d in todo if d.repair == Repair.SEND_AGAIN})
        run = payments_queue(
            office=office, payment_ids=list({d.object_id for d in todo}), user=user,
            enqueue=enqueue,
        )  # fmt: skip
        Difference.objects.filter(pk__in=[d.pk for d in todo]).update(repair_run=run)
    return [run]


def _mark_for_resend(office: Office, payment_ids: set[int]) -> None:
    kept = ExternalRef._meta.get_field("fingerprint").max_length - len(RESEND)
    ExternalRef.objects.filter(
        office=office,
        procore_type=PAYMENT,
        content_type=payment_content_type(),
        object_id__in=payment_ids,
    ).exclude(fingerprint__startswith=RESEND).update(
        fingerprint=Concat(Value(RESEND), Left("fingerprint", kept))
    )
