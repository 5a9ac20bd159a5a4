"""The "ap_payments" flow: each payment on an imported invoice as one Procore contract payment on
the invoice's commitment (procore-api.md §8.4), never twice.

A create carries origin_id "trestle-payment-<id>". The intent, an ExternalRef with that origin_id
and no Procore id yet, is saved before the POST; after a lost answer or a crash, one listing of
the contract's payments finds what landed instead of sending it again. Procore locks a payment
that has an origin_id (§3.7: every attribute but attachments, origin_id and origin_data), so an
edit is carried over by replacing it: the old payment is deleted, then the new figures are
created under the next origin_id. A void deletes it. What Procore refuses stays on the payment
with Procore's reason, shown on the invoice with a Retry.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.ap_invoices.models import ApPayment, Commitment
from apps.core.present import day, money
from apps.offices.models import Office
from apps.projects.models import Project

from ..ap_import.commitments import COMMITMENT, procore_ids_of
from ..client import resources
from ..client.errors import NotFound, OutcomeUnknown, ProcoreError
from ..client.errors import ValidationError as ProcoreRejected
from ..client.http import ProcoreClient
from ..client.idempotent import by_origin_id
from ..engine_models import ExternalRef, LinkState, Outcome, SyncItem, SyncRun
from ..live import RunError, live_connection
from ..mapping import common
from ..mapping.common import MappingError
from ..outbound import GONE, next_origin, procore_said, refs_save, with_ref
from ..runs import RunRecorder, sync_settings_for
from .payload import ORIGIN, payment_body, payment_print

PAYMENT = "contract_payment"
SWITCH = "payments"  # the wizard's "Create payments in Procore"
ENTITY = "ap_payments"  # the items of this flow, one per payment
RETRY_FIX = "Retry (or the next scheduled pass) looks it up first, so it is never sent twice."
UNCONFIRMED = "It may have landed in Procore; it is looked up before anything is sent again."
FOUND = "Found in Procore from an earlier send."
REPLACED = (
    "Replaced in Procore: a synced payment is locked there, so the old one was deleted and the "
    "new figures created."
)
CREATE, REPLACE, REMOVE, SKIP = "create", "replace", "remove", "skip"


def payment_content_type() -> ContentType:
    return ContentType.objects.get_for_model(ApPayment)


@dataclass
class Work:
    """One payment, its link (unsaved for a first send) and where it goes in Procore."""

    payment: ApPayment
    ref: ExternalRef
    project_id: int | None
    contract_id: int | None
    found: bool = False  # an earlier create's answer was lost, and the payment had landed

    @property
    def in_flight(self) -> bool:
        """A create was attempted and its outcome is unknown: look before sending again."""
        ref = self.ref
        return ref.procore_id is None and bool(ref.origin_id) and ref.state not in GONE


def ap_payments_flow(run: SyncRun, recorder: RunRecorder) -> None:
    if not sync_settings_for(run.office).flows.get(SWITCH):
        raise RunError(
            "Create payments in Procore is off for this office: turn it on in the Procore "
            "settings of the office to send payments."
        )
    client = ProcoreClient(live_connection(run.office))
    works = plan(run.office, list(payments_for(run.office, run.params)))
    recorder.plan(ENTITY, [w.payment.pk for w in works])
    run.progress_total = len(works)
    run.save(update_fields=["progress_total"])
    by_contract: dict[tuple, list[Work]] = defaultdict(list)
    for work in works:
        by_contract[work.project_id, work.contract_id].append(work)
    writer = Writer(client, recorder)
    for group in by_contract.values():
        writer.contract(group)


# --- which payments, and where each goes -----------------------------------------------------


def payments_for(office: Office, params: dict) -> QuerySet[ApPayment]:
    """By id (a payment just changed, Retry), else every payment Procore may not match."""
    payments = ApPayment.objects.filter(
        invoice__office=office, invoice__procore_requisition_id__isnull=False
    ).select_related("invoice")
    if params.get("payment_ids") is not None:
        return payments.filter(pk__in=params["payment_ids"]).order_by("pk")
    return pending(payments, office).order_by("pk")


def pending(payments: QuerySet, office: Office) -> QuerySet:
    """Never sent, changed or voided since, failed, or sent without an answer."""
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type=PAYMENT,
        content_type=payment_content_type(),
        object_id=OuterRef("pk"),
    )
    return with_ref(payments, refs).filter(
        Q(voided_at=None, ref_procore__isnull=True)  # not in Procore (yet, or since a replace)
        | Q(ref_state=LinkState.FAILED)
        | (Q(ref_procore__isnull=True) & Q(ref_origin__gt="") & ~Q(ref_state__in=GONE))
        | Q(ref_procore__isnull=False, updated_at__gt=F("ref_synced"))
    )


def plan(office: Office, payments: list[ApPayment]) -> list[Work]:
    content_type = payment_content_type()
    refs = {
        r.object_id: r
        for r in ExternalRef.objects.filter(
            office=office,
            procore_type=PAYMENT,
            content_type=content_type,
            object_id__in=[p.pk for p in payments],
        )
    }
    invoices = [p.invoice for p in payments]
    projects = procore_ids_of(office, "project", Project, {i.project_id for i in invoices})
    contracts = procore_ids_of(office, COMMITMENT, Commitment, {i.commitment_id for i in invoices})
    return [
        Work(
            payment=payment,
            ref=refs.get(payment.pk)
            or ExternalRef(
                office=office,
                procore_type=PAYMENT,
                content_type=content_type,
                object_id=payment.pk,
                state=LinkState.OUT_OF_DATE,
            ),
            project_id=projects.get(payment.invoice.project_id),
            contract_id=contracts.get(payment.invoice.commitment_id),
        )
        for payment in payments
    ]


def action_of(work: Work) -> tuple[str, str]:
    payment, ref = work.payment, work.ref
    in_procore = ref.procore_id is not None
    if payment.voided_at is not None:
        if in_procore:
            return REMOVE, ""
        return SKIP, "Voided before it reached Procore: nothing to remove."
    if not in_procore:
        return CREATE, ""
    if ref.fingerprint != payment_print(payment):
        return REPLACE, ""
    return SKIP, "Already in Procore, unchanged."


def problems_of(work: Work) -> tuple[str, str] | None:
    """(message, fix) when the payment has nowhere to go in Procore."""
    invoice = work.payment.invoice
    if work.project_id is None:
        return (
            f"Project {invoice.project} is not mapped to a Procore project.",
            "Map it in Project > Advanced Settings > Procore, then Retry.",
        )
    if invoice.commitment_id is None:
        return (
            "The invoice has no commitment, and Procore records payments on a commitment.",
            "Choose the invoice's commitment, then Retry.",
        )
    if work.contract_id is None:
        return (
            f"Commitment {invoice.commitment} is not linked to a Procore commitment.",
            "Run the AP import (it links the project's commitments), then Retry.",
        )
    return None


# --- sending ---------------------------------------------------------------------------------


@dataclass
class Writer:
    client: ProcoreClient
    recorder: RunRecorder
    renumbered: set[int] = field(default_factory=set)  # payments given a new origin_id this run

    def contract(self, works: list[Work]) -> None:
        """The payments of one commitment: those in flight are looked up first, in one listing."""
        ready = [w for w in works if not self._refused(w)]
        flying = [w for w in ready if w.in_flight]
        if flying and not self._adopt(flying):
            ready = [w for w in ready if not w.in_flight]
        for work in ready:
            action, reason = action_of(work)
            if action == SKIP and work.found:
                self._done(work, Outcome.LINKED, FOUND)
            elif action == SKIP:
                self._done(work, Outcome.SKIPPED, reason)
            elif action == CREATE:
                self._create(work, Outcome.CREATED, "")
            elif action == REMOVE and self._delete(work, LinkState.UNLINKED):
                self._done(work, Outcome.DEACTIVATED, "Voided: removed from Procore.")
            elif action == REPLACE and self._delete(work, LinkState.ORPHANED):
                self._create(work, Outcome.UPDATED, REPLACED)

    def _refused(self, work: Work) -> bool:
        problems = problems_of(work)
        wanted = work.payment.voided_at is None or work.ref.procore_id is not None
        if problems and (wanted or work.in_flight):
            self._fail(work, *problems)
            return True
        return False

    def _adopt(self, flying: list[Work]) -> bool:
        """Links the creates whose answer never came to what landed, if it did. False when
        Procore could not be asked, or its list could not be read: those payments are left
        for the next attempt."""
        try:
            found = self._lookup(flying[0])
        except ProcoreError as exc:
            for work in flying:
                self._error(work, exc)
            return False
        for work in flying:
            record = found.get(work.ref.origin_id)
            if record is not None:
                self._link(work, record["id"])  # its fingerprint is what was sent then
                work.found = True
            elif work.payment.voided_at is not None:
                work.ref.state = LinkState.UNLINKED  # it never landed: nothing to remove
        return True

    def _lookup(self, work: Work) -> dict[str, dict]:
        """Our payments on the commitment, by origin_id, each with a readable id; one that
        might be ours but cannot be read is a MalformedAnswer (never "not found", then sent
        twice)."""
        listed = resources.contract_payments(
            self.client, project_id=work.project_id, contract_id=work.contract_id
        )
        return by_origin_id(listed, ORIGIN)

    def _create(self, work: Work, outcome: str, message: str) -> None:
        ref = work.ref
        ref.origin_id = next_origin(ref, ORIGIN)
        ref.procore_id, ref.state, ref.error = None, LinkState.OUT_OF_DATE, ""
        ref.fingerprint = payment_print(work.payment)
        refs_save([ref])  # the intent, before anything leaves
        try:
            record = resources.contract_payment_create(
                self.client,
                project_id=work.project_id,
                contract_id=work.contract_id,
                payment=payment_body(work.payment, ref.origin_id),
            )
        except OutcomeUnknown as exc:
            self._unknown(work, exc, outcome, message)
        except ProcoreRejected as exc:
            self._rejected(work, exc, outcome, message)
        except ProcoreError as exc:
            self._error(work, exc)
        else:
            self._answered(work, record, outcome, message)

    def _answered(self, work: Work, record: Any, outcome: str, message: str) -> None:
        """A create's answer that cannot be read is an unknown outcome: the payment may have
        landed, so it is looked up, never sent again."""
        try:
            landed = _record_id(record)
        except MappingError as exc:
            unread = f"Procore's answer to the payment could not be read: {exc}."
            self._unknown(work, OutcomeUnknown(f"{unread} {UNCONFIRMED}"), outcome, message)
            return
        self._link(work, landed)
        self._done(work, outcome, message)

    def _unknown(self, work: Work, exc: OutcomeUnknown, outcome: str, message: str) -> None:
        try:
            record = self._lookup(work).get(work.ref.origin_id)
        except ProcoreError:
            record = None
        if record is None:  # not known to have landed: the intent stays, Retry looks again
            self._fail(work, procore_said(exc), RETRY_FIX)
            return
        self._link(work, record["id"])
        self._done(work, outcome, message)

    def _rejected(self, work: Work, exc: ProcoreRejected, outcome: str, message: str) -> None:
        taken = "origin_id" in str(exc.body or "") + (exc.detail or "")
        if taken and work.payment.pk not in self.renumbered:
            try:
                record = self._lookup(work).get(work.ref.origin_id)
            except ProcoreError as error:
                self._error(work, error)
                return
            if record is not None:  # it landed earlier
                self._link(work, record["id"])
                self._done(work, outcome, message)
                return
            self.renumbered.add(work.payment.pk)  # a deleted payment still holds it
            work.ref.state = LinkState.ORPHANED
            self._create(work, outcome, message)
            return
        self._fail(work, procore_said(exc), "Correct the payment (or the invoice), then Retry.")

    def _delete(self, work: Work, then: str) -> bool:
        """Deletes the payment's Procore twin; `then` is the link's state once it is gone."""
        try:
            resources.contract_payment_delete(
                self.client,
                work.ref.procore_id,
                project_id=work.project_id,
                contract_id=work.contract_id,
            )
        except NotFound:
            pass  # already gone from Procore: what a delete wants
        except ProcoreRejected as exc:
            self._fail(
                work,
                f"Procore refused to remove its payment #{work.ref.procore_id}: "
                f"{procore_said(exc)}",
                "Remove or correct it in Procore by hand, then Retry.",
            )
            return False
        except ProcoreError as exc:
            self._error(work, exc)
            return False
        work.ref.procore_id, work.ref.state, work.ref.synced_at = None, then, timezone.now()
        refs_save([work.ref])  # a crash from here on creates again, under the next origin_id
        return True

    def _link(self, work: Work, procore_id: int) -> None:
        work.ref.procore_id, work.ref.state, work.ref.error = procore_id, LinkState.SYNCED, ""

    def _done(self, work: Work, outcome: str, message: str) -> None:
        work.ref.synced_at, work.ref.error = timezone.now(), ""
        if work.ref.state == LinkState.FAILED:
            work.ref.state = LinkState.SYNCED
        self._record(work, outcome, message)

    def _fail(self, work: Work, message: str, fix: str) -> None:
        work.ref.state, work.ref.error = LinkState.FAILED, f"{message} {fix}".strip()
        self._record(work, Outcome.FAILED, message, fix)

    def _error(self, work: Work, exc: ProcoreError) -> None:
        if exc.status in (401, 403):
            raise exc  # the connection or its permissions: the run stops with the reason
        self._fail(work, procore_said(exc), RETRY_FIX)

    def _record(self, work: Work, outcome: str, message: str, fix: str = "") -> None:
        if work.ref.pk is not None or work.ref.origin_id or work.ref.state == LinkState.FAILED:
            refs_save([work.ref])
        item = SyncItem(
            entity=ENTITY,
            direction="out",
            object_id=work.payment.pk,
            procore_id=work.ref.procore_id,
            label=payment_label(work.payment)[:200],
            outcome=outcome,
            message=message,
            fix=fix,
        )
        self.recorder.add(Counter({outcome: 1}), [item], done=1)


def _record_id(record: Any) -> int:
    """The Procore id in a create's answer; MappingError says what is wrong with it."""
    return common.procore_id(common.an_object(record))


def payment_label(payment: ApPayment) -> str:
    return f"Payment {money(payment.amount)} on {day(payment.date)} · invoice {payment.invoice}"
