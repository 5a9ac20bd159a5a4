"""Writes on AP invoices: create and update with their lines, validate, review line by line."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.audit import audit_entry, audit_record
from apps.accounts.models import AuditEntry, Membership, Role, User
from apps.core import uploads
from apps.offices.models import Office
from apps.projects.models import CostCode

from .models import ApInvoice, ApInvoiceLine, InvoiceStatus, ReviewStatus
from .routing import route_or_queue
from .totals import ZERO, invoice_totals
from .validation import invoice_validate as invoice_validate  # part of this module's API

INVOICE_FIELDS = ("queue", "project", "vendor", "commitment", "invoice_number", "billing_date")
INVOICE_FIELDS += ("period_start", "period_end", "due_date")
# What Procore owns on an imported invoice: everything but the queue it waits in.
IMPORTED_FIELDS = tuple(f for f in INVOICE_FIELDS if f != "queue")
# What a new invoice may be given besides: an import knows its document's pages and why it waits.
CREATE_FIELDS = (*INVOICE_FIELDS, "document_pages", "queue_reason")
LINE_FIELDS = ["position", "description", "cost_code", "amount", "retainage"]
# Reviewers read the invoice as one PDF beside its lines (Procore's are combined into one too).
DOCUMENT = uploads.Accepts(uploads.PDF, "a PDF")
EDITABLE_STATUSES = (InvoiceStatus.QUEUED, InvoiceStatus.IN_REVIEW, InvoiceStatus.REJECTED)
REVIEWABLE_STATUSES = (InvoiceStatus.IN_REVIEW, InvoiceStatus.REJECTED)


@dataclass(frozen=True)
class Line:
    description: str
    amount: Decimal
    retainage: Decimal = ZERO
    cost_code: CostCode | None = None
    id: int | None = None  # an existing line of the invoice, updated in place


def _check(office: Office, lines: list[Line], fields: dict) -> None:
    for name in ("queue", "project", "vendor", "commitment"):
        record = fields.get(name)
        if record is not None and record.office_id != office.pk:
            raise ValidationError(f"That {name} belongs to another office.")
    for n, line in enumerate(lines, start=1):
        if line.retainage < 0:
            raise ValidationError(f"Line {n}: retainage cannot be negative.")
        if line.cost_code is not None and line.cost_code.office_id != office.pk:
            raise ValidationError(f"Line {n}: that cost code belongs to another office.")


def _set_totals(invoice: ApInvoice, lines: list[Line]) -> None:
    """Totals from the lines, set before the invoice's one save (no UPDATE of its own)."""
    totals = invoice_totals((line.amount, line.retainage) for line in lines)
    invoice.subtotal, invoice.retainage, invoice.total = totals


def _line_rows(invoice: ApInvoice, lines: list[Line], existing: set[int]) -> list[ApInvoiceLine]:
    return [
        ApInvoiceLine(
            pk=line.id if line.id in existing else None,
            invoice=invoice,
            position=n,
            description=line.description,
            cost_code=line.cost_code,
            amount=line.amount,
            retainage=line.retainage,
        )
        for n, line in enumerate(lines, start=1)
    ]


def _save_lines(invoice: ApInvoice, lines: list[Line], *, new: bool = False) -> None:
    """Lines given with the id of one of the invoice's lines update it; the rest are new, and
    lines not given are deleted (a new invoice has none to read or delete). The caller sets
    the totals (`_set_totals`) and saves the invoice."""
    with_ids = not new and any(line.id for line in lines)
    existing = set(invoice.lines.values_list("pk", flat=True)) if with_ids else set()
    rows = _line_rows(invoice, lines, existing)
    if not new:
        invoice.lines.exclude(pk__in=[r.pk for r in rows if r.pk]).delete()
    if existing:
        ApInvoiceLine.objects.bulk_update([r for r in rows if r.pk], LINE_FIELDS)
    ApInvoiceLine.objects.bulk_create([r for r in rows if not r.pk])


@dataclass(frozen=True)
class ProcoreKey:
    """What makes an invoice Procore's requisition: its id is the key, once per office."""

    requisition_id: int
    status: str = ""
    updated_at: datetime | None = None


def _imported_already(office: Office, requisition_id: int) -> ValidationError:
    invoice = ApInvoice.objects.filter(office=office, procore_requisition_id=requisition_id).first()
    name = f"{invoice} (#{invoice.pk})" if invoice else "another invoice"
    return ValidationError(
        f"Procore invoice {requisition_id} is already in Trestle as {name}: it is imported "
        "once, so open that invoice instead."
    )


def _requisition_taken(exc: IntegrityError) -> bool:
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") == (
        "one_invoice_per_requisition"
    )


def _procore_values(procore: ProcoreKey | None) -> dict:
    if procore is None:
        return {}
    return {
        "procore_requisition_id": procore.requisition_id,
        "procore_status": procore.status,
        "procore_updated_at": procore.updated_at,
    }


def _new_invoice(office, user, lines, procore, fields) -> ApInvoice:
    """Checked, with its totals; not saved yet, its document not stored yet."""
    _check(office, lines, fields)
    invoice = ApInvoice(
        office=office,
        created_by=user,
        **_procore_values(procore),
        **{k: fields[k] for k in CREATE_FIELDS if k in fields},
    )
    _set_totals(invoice, lines)
    return invoice


@dataclass
class NewImported:
    """One new invoice of Procore's for `invoices_create_imported`."""

    procore: ProcoreKey
    lines: list[Line]
    document: Any
    fields: dict


def _store_document(files: uploads.FileChanges, document: File) -> str:
    """The upload checked by the upload policy and stored; its storage name."""
    uploads.upload_check(document, accepts=DOCUMENT, what="The invoice document")
    return files.store(ApInvoice._meta.get_field("document"), document, document.name or "")


def invoices_create_imported(
    *, office: Office, user: User | None, invoices: list[NewImported]
) -> list[ApInvoice]:
    """New invoices of Procore's requisitions written together, not routed: one transaction,
    one INSERT of the invoices, one of their lines, one of their audit entries. All or none: a
    ValidationError or IntegrityError (a requisition the office has) writes nothing and keeps
    no document, and the caller creates them one by one with `invoice_create`, which refuses
    only the bad one."""
    rows = [_new_invoice(office, user, new.lines, new.procore, new.fields) for new in invoices]
    with uploads.kept_on_commit() as files:
        for row, new in zip(rows, invoices, strict=True):
            if new.document:
                row.document = _store_document(files, new.document)
        ApInvoice.objects.bulk_create(rows)
        lines = [_line_rows(row, new.lines, set()) for row, new in zip(rows, invoices, strict=True)]
        ApInvoiceLine.objects.bulk_create([line for group in lines for line in group])
        AuditEntry.objects.bulk_create(
            [
                audit_entry(
                    account=office.account, actor=user, action="ap_invoice.created", target=row
                )
                for row in rows
            ]
        )
    return rows


def invoice_create(
    *,
    office: Office,
    user: User,
    lines: list[Line],
    document: File | None = None,
    route: bool = True,
    procore: ProcoreKey | None = None,
    **fields,
) -> ApInvoice:
    """A new invoice with its lines; then routed, or left in the queue with the reasons.
    With `procore` it is that Procore requisition's invoice: refused if the office has it.
    `document_pages` and `queue_reason` may be given too (an import knows them).
    The document is kept only if the invoice is."""
    try:
        return _create(office, user, lines, document, route, procore, fields)
    except IntegrityError as exc:
        # The unique constraint is the guard (no look-up first): when another save of the
        # requisition won, _create's transaction or savepoint is rolled back and this is refused.
        if procore is None or not _requisition_taken(exc):
            raise
        raise _imported_already(office, procore.requisition_id) from None


def _create(office, user, lines, document, route, procore, fields) -> ApInvoice:
    invoice = _new_invoice(office, user, lines, procore, fields)
    with uploads.kept_on_commit() as files:
        if document:
            invoice.document = _store_document(files, document)
        invoice.save(force_insert=True)
        _save_lines(invoice, lines, new=True)
        audit_record(
            account=office.account, actor=user, action="ap_invoice.created", target=invoice
        )
        if route:
            route_or_queue(invoice=invoice, user=user)
    return invoice


def _check_imported(invoice: ApInvoice, lines: list[Line] | None, fields: dict) -> None:
    changed = [k for k in IMPORTED_FIELDS if k in fields and fields[k] != getattr(invoice, k)]
    if lines is not None:
        current = [
            (line.description, line.amount, line.retainage, line.cost_code_id)
            for line in invoice.lines.all()
        ]
        given = [
            (li.description, li.amount, li.retainage, getattr(li.cost_code, "pk", None))
            for li in lines
        ]
        if current != given:
            changed.append("lines")
    if changed:
        raise ValidationError(
            "This invoice was imported from Procore and its "
            f"{', '.join(changed)} cannot be edited here (the office does not allow it)."
        )


def _stored_document(invoice: ApInvoice) -> str:
    """The document's name in the database: a ModelForm may already have put its upload, or
    its "clear", on the instance."""
    return ApInvoice.objects.filter(pk=invoice.pk).values_list("document", flat=True).get()


def invoice_update(
    *,
    invoice: ApInvoice,
    user: User,
    lines: list[Line] | None = None,
    document: File | None = None,
    allow_imported_edits: bool = False,
    **fields,
) -> ApInvoice:
    """Change an invoice that is not approved or paid, then route it again (reviews restart).
    An imported invoice's Procore fields and lines are read-only unless the office allows it.
    A new document is kept only if the change is, and the one it replaces goes after commit."""
    if invoice.status not in EDITABLE_STATUSES:
        raise ValidationError(
            f"An {invoice.get_status_display().lower()} invoice cannot be edited."
        )
    if invoice.procore_requisition_id is not None and not allow_imported_edits:
        _check_imported(invoice, lines, fields)
    _check(invoice.office, lines or [], fields)
    with uploads.kept_on_commit() as files:
        previous = _stored_document(invoice)
        for name in INVOICE_FIELDS:
            if name in fields:
                setattr(invoice, name, fields[name])
        if document:
            invoice.document = _store_document(files, document)
        if lines is not None:
            _set_totals(invoice, lines)
        invoice.save()
        files.replace(invoice.document, previous)
        if lines is not None:
            _save_lines(invoice, lines)
        audit_record(
            account=invoice.office.account, actor=user, action="ap_invoice.updated", target=invoice
        )
        route_or_queue(invoice=invoice, user=user)
    return invoice


def invoice_refresh_imported(
    *, invoice: ApInvoice, lines: list[Line], document: File | str, **fields
) -> ApInvoice:
    """Procore's newer fields, lines and document ("" for none) for an imported invoice nobody
    processed yet. Its queue, status and reviews stay: an office that only queues imports is
    not routed. The import loaded `invoice` unchanged, so its document is the stored one; the
    import's own state (`procore_status`, `document_pages`...) may be set on `invoice` before:
    it is written in the same save."""
    _check(invoice.office, lines, fields)
    with uploads.kept_on_commit() as files:
        previous = invoice.document.name or ""
        for name in INVOICE_FIELDS:
            if name in fields:
                setattr(invoice, name, fields[name])
        invoice.document = _store_document(files, document) if document else ""
        _set_totals(invoice, lines)
        invoice.save()
        files.replace(invoice.document, previous)
        _save_lines(invoice, lines)
        audit_record(
            account=invoice.office.account,
            actor=None,
            action="ap_invoice.refreshed",
            target=invoice,
        )
    return invoice


@transaction.atomic
def invoice_reopen_imported(*, invoice: ApInvoice, user: User) -> ApInvoice:
    """A processed invoice that changed in Procore goes back to unprocessed, so the next import
    takes Procore's version (fields, lines, document) and reviews start over."""
    invoice = (
        ApInvoice.objects.select_for_update(of=("self",))
        .select_related("office")
        .get(pk=invoice.pk)
    )
    if invoice.procore_requisition_id is None:
        raise ValidationError("Only an invoice imported from Procore can take Procore's changes.")
    if invoice.status == InvoiceStatus.PAID or invoice.payments.filter(voided_at=None).exists():
        raise ValidationError("An invoice with payments keeps its figures: void them first.")
    invoice.status, invoice.queue_reason = InvoiceStatus.QUEUED, ""
    invoice.processed_at, invoice.procore_changed = None, False
    invoice.procore_updated_at = None  # rebuilt by the next import, whatever Procore's timestamp
    invoice.save(
        update_fields=[
            "status",
            "queue_reason",
            "processed_at",
            "procore_changed",
            "procore_updated_at",
            "updated_at",
        ]
    )
    audit_record(
        account=invoice.office.account, actor=user, action="ap_invoice.reopened", target=invoice
    )
    return invoice


def may_review(line: ApInvoiceLine, user: User) -> bool:
    """The line's reviewer, or an owner or admin of the account."""
    if line.reviewer_id == user.pk:
        return True
    role = (
        Membership.objects.filter(account_id=line.invoice.office.account_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return role in (Role.OWNER, Role.ADMIN)


def _status_from_lines(invoice: ApInvoice) -> str:
    reviews = set(invoice.lines.values_list("review_status", flat=True))
    if ReviewStatus.REJECTED in reviews:
        return InvoiceStatus.REJECTED
    if reviews == {ReviewStatus.APPROVED}:
        return InvoiceStatus.APPROVED
    return InvoiceStatus.IN_REVIEW


@transaction.atomic
def review_line(*, line: ApInvoiceLine, user: User, approve: bool, comment: str = "") -> str:
    """Approve or reject one line (its reviewer, or an owner or admin); returns the invoice's
    new status: approved once every line is, rejected while any line is."""
    invoice = ApInvoice.objects.select_for_update().get(pk=line.invoice_id)
    if invoice.status not in REVIEWABLE_STATUSES:
        raise ValidationError(f"An invoice {invoice.get_status_display().lower()} is not reviewed.")
    if not may_review(line, user):
        raise ValidationError("Only the line's reviewer, an owner or an admin can review it.")
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError("Say why the line is rejected.")
    line.review_status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    line.review_comment, line.reviewed_at = comment, timezone.now()
    line.save(update_fields=["review_status", "review_comment", "reviewed_at"])
    invoice.status = _status_from_lines(invoice)
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(
        account=invoice.office.account,
        actor=user,
        action="ap_invoice.line_reviewed",
        target=invoice,
        detail={"line": line.pk, "review": line.review_status, "comment": comment},
    )
    return invoice.status
