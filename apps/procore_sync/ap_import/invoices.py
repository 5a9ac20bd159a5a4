"""One requisition -> one ApInvoice, keyed by `procore_requisition_id`.

A new one is created through the domain service. Seen again, it is refreshed while nobody has
processed it here yet (`processed_at` empty); once processed it is left as it is and flagged
`procore_changed`, so a reviewer's work is never overwritten behind their back.

One without attachments comes in all the same. By default (the office's "ap_without_document"
is "wait") it is queued "waiting for a document" (never routed without its PDF); each later run
that sees it with attachments takes the PDF, and Reprocess on the reconcile page queues that run
at once. With "import" it is processed like any other, without a PDF (Trestle builds none from the
invoice's data), and a later run still takes Procore's PDF while nobody has processed it.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.ap_invoices.models import AWAITING_DOCUMENT, ApInvoice, ApQueue, Commitment, Vendor
from apps.ap_invoices.routing import route_or_queue
from apps.ap_invoices.services import (
    Line,
    NewImported,
    ProcoreKey,
    invoice_create,
    invoice_refresh_imported,
    invoices_create_imported,
)
from apps.projects.models import Project

from ..engine_models import Outcome, SyncItem, SyncRun, Trigger
from ..runs import run_queue
from .commitments import COMMITMENT, linked_ids
from .mapping import STATUSES, RequisitionData

FLAGGED = "Changed in Procore after it was processed here: flagged, not overwritten."
UNCHANGED = "Unchanged in Procore since the last import."
WAITING = f"{AWAITING_DOCUMENT}: Procore has no attachment on this invoice."
WAITING_FIX = (
    "Attach the invoice PDF in Procore, then Reprocess (AP Invoices > Reconcile); or upload the "
    "PDF on the invoice's Edit page."
)
WAITING_REASON = f"{WAITING} {WAITING_FIX}"
WITHOUT_PDF = "Imported without a PDF: Procore has no attachment on this invoice."
# SyncSettings.options["ap_without_document"]: what an approved invoice without attachments does
WITHOUT_DOCUMENT = (
    ("wait", "Hold it in the queue, waiting for a document"),
    ("import", "Import it like any other, without a PDF"),
)


class LinkedRecords:
    """The Trestle vendor and commitment linked to a Procore id, looked up once per run (a
    project's invoices name the same few)."""

    def __init__(self, office) -> None:
        self.office, self._found = office, {}

    def get(self, model, procore_type: str, procore_id: int | None):
        key = (procore_type, procore_id)
        if key not in self._found:
            pk = linked_ids(self.office, procore_type, model, [procore_id]).get(procore_id)
            self._found[key] = model.objects.filter(pk=pk).first() if pk else None
        return self._found[key]


@dataclass
class Target:
    """Where the office's imported invoices go, and what happens next."""

    project: Project
    queue: ApQueue | None
    route: bool
    user: User | None
    without_document: str = "wait"
    links: LinkedRecords = field(init=False)

    def __post_init__(self) -> None:
        self.links = LinkedRecords(self.project.office)


@dataclass
class Document:
    content: bytes
    pages: int
    source: str = ""  # documents.attachments_print of what it was built from


def existing_invoices(target: Target, requisition_ids: list[int]) -> dict[int, ApInvoice]:
    """{requisition id: its invoice} of those already in Trestle, in one query."""
    invoices = ApInvoice.objects.filter(
        office=target.project.office, procore_requisition_id__in=requisition_ids
    ).select_related("office__account")  # a refresh's checks and audit entry read them
    return {invoice.procore_requisition_id: invoice for invoice in invoices}


def needs_document(invoice: ApInvoice | None, data: RequisitionData) -> bool:
    """Only a new invoice, or an unprocessed one Procore changed or still without its
    document (waiting for it, or imported without one), is (re)built."""
    if invoice is None:
        return True
    return invoice.processed_at is None and (
        invoice.procore_updated_at != data.updated_at or not invoice.document
    )


def invoice_fields(project: Project, data: RequisitionData, links: LinkedRecords) -> dict:
    """The invoice's fields, with the vendor and commitment linked to Procore's (None if not)."""
    return {
        "project": project,
        "vendor": links.get(Vendor, "vendor", data.vendor_id),
        "commitment": links.get(Commitment, COMMITMENT, data.commitment_id),
        "invoice_number": data.invoice_number,
        "billing_date": data.billing_date,
        "period_start": data.period_start,
        "period_end": data.period_end,
    }


def procore_key(data: RequisitionData) -> ProcoreKey:
    return ProcoreKey(data.requisition_id, data.procore_status, data.updated_at)


def _lines(data: RequisitionData) -> list[Line]:
    return [Line(description=d, amount=a, retainage=r) for d, a, r in data.lines]


def _file(data: RequisitionData, document: Document | None) -> ContentFile | str:
    if document is None:
        return ""
    name = f"procore-invoice-{data.requisition_id}-{document.source}".rstrip("-")
    return ContentFile(document.content, name=f"{name}.pdf")


def document_fetch_queue(
    *, invoice: ApInvoice, user: User, enqueue: Callable[[int], None]
) -> SyncRun:
    """Reprocess of an invoice waiting for its document: a full import run at once, which takes
    the PDF if Procore has attachments now (else the invoice keeps waiting, and the run says so)."""
    if not invoice.awaits_document:
        raise ValidationError(f"{invoice} is not waiting for a document from Procore.")
    return run_queue(
        office=invoice.office,
        flow="ap_import",
        trigger=Trigger.USER,
        user=user,
        params={"full": True},
        enqueue=enqueue,
    )


def reimport_queue(
    *, office, requisitions: dict[int, list[int]], user: User | None, enqueue: Callable[[int], None]
) -> SyncRun:
    """An import run of these requisitions only ({Procore project id: ids}), whatever their
    status in Procore: each updates its invoice, never makes a second one."""
    chosen = {str(project): sorted(ids) for project, ids in requisitions.items()}
    return run_queue(
        office=office,
        flow="ap_import",
        trigger=Trigger.USER,
        user=user,
        params={"requisitions": chosen},
        enqueue=enqueue,
    )


@transaction.atomic
def invoice_unlink(*, invoice: ApInvoice, user: User | None) -> ApInvoice:
    """An invoice whose requisition Procore deleted stays in Trestle as Trestle's own: no
    longer Procore's, so no import or comparison touches it again."""
    invoice.procore_requisition_id, invoice.procore_status = None, ""
    invoice.procore_updated_at, invoice.procore_changed = None, False
    invoice.queue_reason = _unless_waiting(invoice.queue_reason)
    invoice.save(
        update_fields=[
            "procore_requisition_id",
            "procore_status",
            "procore_updated_at",
            "procore_changed",
            "queue_reason",
            "updated_at",
        ]
    )
    audit_record(
        account=invoice.office.account, actor=user, action="ap_invoice.unlinked", target=invoice
    )
    return invoice


def invoice_import(
    target: Target, data: RequisitionData, invoice: ApInvoice | None, document: Document | None
) -> tuple[str, str, ApInvoice]:
    """(outcome, message, invoice). `document` is given whenever `needs_document` says so and
    Procore has attachments; without them the invoice waits for one, unless the office imports
    such invoices as they are."""
    waits = document is None and target.without_document != "import"
    if invoice is not None and invoice.processed_at is not None:
        return _flag(invoice, data)
    if invoice is not None and not needs_document(invoice, data):
        return Outcome.SKIPPED, UNCHANGED, invoice
    if invoice is not None and document is None and invoice.procore_updated_at == data.updated_at:
        return Outcome.SKIPPED, WAITING if waits else UNCHANGED, invoice  # still no attachment
    routes = not waits and target.route and data.procore_status in STATUSES.values()
    # Written and routed in one transaction; without routing the service's own transaction is
    # the only one (no savepoint per invoice).
    with transaction.atomic() if routes else nullcontext():
        outcome, invoice = _write(target, data, invoice, document, waits)
        if waits:  # never routed without its PDF
            return outcome, WAITING, invoice
        message = "" if document else WITHOUT_PDF
        if routes:
            reasons = route_or_queue(invoice=invoice, user=target.user)
            routed = "Routed to reviewers." if not reasons else "Queued: " + " ".join(reasons)
            message = f"{message} {routed}".strip()
    return outcome, message, invoice


class NewInvoices:
    """New invoices that are not routed, written together (`invoices_create_imported`) when
    BATCH are ready or the chunk ends: one transaction and three INSERTs for all of them,
    rather than a transaction and three INSERTs each. Their run items are completed then.
    When the batch is refused (a requisition imported meanwhile, an invalid invoice), each is
    written on its own, so only the bad one fails, with its reason."""

    BATCH = 25  # their PDFs are held in memory until written

    def __init__(self, target: Target) -> None:
        self.target = target
        self.pending: list[tuple[RequisitionData, Document | None, SyncItem]] = []

    def takes(self, data: RequisitionData, document: Document | None) -> bool:
        """A new invoice this batch writes: one the office does not route on import."""
        routed = self.target.route and data.procore_status in STATUSES.values()
        return self._waits(document) or not routed

    def add(self, data: RequisitionData, document: Document | None, item: SyncItem) -> None:
        self.pending.append((data, document, item))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        try:
            invoices = invoices_create_imported(
                office=self.target.project.office,
                user=self.target.user,
                invoices=[self._new(data, document) for data, document, _ in pending],
            )
        except (IntegrityError, ValidationError):
            return self._one_by_one(pending)
        for (_, document, item), invoice in zip(pending, invoices, strict=True):
            self._done(item, invoice, document)

    def _new(self, data: RequisitionData, document: Document | None) -> NewImported:
        fields = invoice_fields(self.target.project, data, self.target.links)
        fields |= {"queue": self.target.queue, "document_pages": document.pages if document else 0}
        fields["queue_reason"] = WAITING_REASON if self._waits(document) else ""
        return NewImported(procore_key(data), _lines(data), _file(data, document), fields)

    def _waits(self, document: Document | None) -> bool:
        return document is None and self.target.without_document != "import"

    def _done(self, item: SyncItem, invoice: ApInvoice, document: Document | None) -> None:
        item.outcome, item.object_id = Outcome.CREATED, invoice.pk
        item.message = WAITING if self._waits(document) else ("" if document else WITHOUT_PDF)
        item.fix = WAITING_FIX if item.message == WAITING else ""

    def _one_by_one(self, pending: list) -> None:
        for data, document, item in pending:
            try:
                _, _, invoice = invoice_import(self.target, data, None, document)
            except ValidationError as exc:
                item.outcome, item.message = Outcome.FAILED, " ".join(exc.messages)
            else:
                self._done(item, invoice, document)


def _write(
    target: Target,
    data: RequisitionData,
    invoice: ApInvoice | None,
    document: Document | None,
    waits: bool,
) -> tuple[str, ApInvoice]:
    """A new invoice in one INSERT (with its totals and Procore state), or a refresh in one
    UPDATE; then its lines and the audit entry."""
    pages = document.pages if document else 0
    if invoice is None:
        invoice = invoice_create(
            office=target.project.office,
            user=target.user,
            lines=_lines(data),
            document=_file(data, document),
            route=False,
            queue=target.queue,
            procore=procore_key(data),
            document_pages=pages,
            queue_reason=WAITING_REASON if waits else "",
            **invoice_fields(target.project, data, target.links),
        )
        return Outcome.CREATED, invoice
    invoice.procore_status, invoice.procore_updated_at = data.procore_status, data.updated_at
    invoice.document_pages = pages
    invoice.queue_reason = WAITING_REASON if waits else _unless_waiting(invoice.queue_reason)
    _refresh(invoice, target, data, document)
    return Outcome.UPDATED, invoice


def _unless_waiting(reason: str) -> str:
    return "" if reason == WAITING_REASON else reason


def _flag(invoice: ApInvoice, data: RequisitionData) -> tuple[str, str, ApInvoice]:
    """Flagged, not overwritten; Procore's status is recorded all the same (it is Procore's)."""
    if (
        invoice.procore_updated_at == data.updated_at
        and invoice.procore_status == data.procore_status
    ):
        return Outcome.SKIPPED, UNCHANGED, invoice
    invoice.procore_changed, invoice.procore_status = True, data.procore_status
    invoice.save(update_fields=["procore_changed", "procore_status", "updated_at"])
    return Outcome.SKIPPED, FLAGGED, invoice


def _refresh(
    invoice: ApInvoice, target: Target, data: RequisitionData, document: Document | None
) -> None:
    """An invoice nobody processed yet takes Procore's newer fields, lines and document."""
    invoice_refresh_imported(
        invoice=invoice,
        lines=_lines(data),
        document=_file(data, document),
        **invoice_fields(target.project, data, target.links),
    )
