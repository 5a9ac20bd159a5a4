"""The AP import comparer: each invoice imported from Procore against its requisition there.

Reads each mapped project's imported requisitions with the v1.1 list, IDS_PER_REQUEST ids at a
time (`filters[id][]`) at the largest page size and every status, so an invoice Procore moved out
of approved is still listed and a deleted one is not: ceil(invoices / 100) requests per project,
never one per invoice. Attachments come inline. Invoices of a project no longer mapped are not
compared (nothing of theirs is read or written any more).

Which side changed is judged from what the import recorded: Procore's `updated_at` no longer the
one imported means Procore changed it; otherwise the difference is Trestle's (an edit the office
allows, or a record it did not keep up). The imported PDF's name carries a print of the
attachments it was built from (ap_import/documents.py); a PDF uploaded in Trestle is Trestle's
choice and is not compared.
"""

from collections import defaultdict

from apps.ap_invoices.models import ApInvoice
from apps.ap_invoices.totals import invoice_totals
from apps.core import present
from apps.offices.models import Office

from ..ap_import.documents import DocumentError, attachments_print, built_from, readable
from ..ap_import.flow import IDS_PER_REQUEST, mapped_projects, requisitions_by_id
from ..ap_import.mapping import RequisitionData, requisition_data, requisition_label
from ..client.http import ProcoreClient
from ..engine_models import Outcome, SyncItem
from ..mapping.common import MappingError
from ..reconcile_models import Difference, DiffField, Repair, Side
from .comparison import WHERE, Comparison

FLOW = "ap_import"
Listed = dict[int, tuple[dict, RequisitionData]]


def invoices_compare(office: Office, client: ProcoreClient) -> Comparison:
    """Every difference between the office's imported invoices and Procore's requisitions."""
    result = Comparison()
    for procore_project_id, invoices in _imported_by_project(office).items():
        result.requests_min += -(-len(invoices) // IDS_PER_REQUEST)
        listed, sure = _requisitions_read(client, procore_project_id, list(invoices), result.unread)
        for requisition_id, invoice in invoices.items():
            found = listed.get(requisition_id)
            if found is not None or sure:
                result.differences += invoice_differences(invoice, procore_project_id, found)
    return result


def _imported_by_project(office: Office) -> dict[int, dict[int, ApInvoice]]:
    """{Procore project id: {requisition id: invoice}} of the mapped projects' imports."""
    projects = {project.pk: procore_id for project, procore_id in mapped_projects(office)}
    invoices = ApInvoice.objects.filter(
        office=office, procore_requisition_id__isnull=False, project_id__in=projects
    ).order_by("pk")
    grouped: dict[int, dict[int, ApInvoice]] = defaultdict(dict)
    for invoice in invoices:
        grouped[projects[invoice.project_id]][invoice.procore_requisition_id] = invoice
    return grouped


def _requisitions_read(
    client: ProcoreClient, procore_project_id: int, ids: list[int], unread: list[SyncItem]
) -> tuple[Listed, bool]:
    """The listed requisitions by id, and whether a missing one is surely gone: not when one
    of the list could not be read, as it may be that one (never reported as deleted)."""
    listed: Listed = {}
    failed = False
    for record in requisitions_by_id(client, procore_project_id, ids):
        try:
            data = requisition_data(record)
        except MappingError as exc:
            failed = True
            unread.append(_unread_item(record, str(exc)))
        else:
            listed[data.requisition_id] = (record, data)
    return listed, not failed


def _unread_item(record: dict, reason: str) -> SyncItem:
    return SyncItem(
        entity="ap_invoices",
        direction="in",
        label=requisition_label(record),
        outcome=Outcome.FAILED,
        message=f"Procore's invoice could not be read ({reason}); it was not compared.",
        fix="Run the report again.",
    )


def invoice_differences(
    invoice: ApInvoice, procore_project_id: int, found: tuple[dict, RequisitionData] | None
) -> list[Difference]:
    """What differs between an imported invoice and its requisition (None: gone from Procore)."""
    if found is None:
        return [_deleted(invoice, procore_project_id)]
    record, data = found
    side = Side.PROCORE if data.updated_at != invoice.procore_updated_at else Side.TRESTLE
    differences = []
    total = invoice_totals((amount, held) for _, amount, held in data.lines).total
    if total != invoice.total:
        differences.append(
            _difference(
                invoice, procore_project_id, DiffField.AMOUNT, side,
                trestle=f"{invoice.total:.2f}", procore=f"{total:.2f}", what="total",
            )
        )  # fmt: skip
    if data.procore_status != invoice.procore_status:
        differences.append(
            _difference(
                invoice, procore_project_id, DiffField.STATUS, side,
                trestle=invoice.procore_status or "none", procore=data.procore_status,
                what="status",
            )
        )  # fmt: skip
    return differences + _attachment_differences(invoice, procore_project_id, record)


def _attachment_differences(
    invoice: ApInvoice, procore_project_id: int, record: dict
) -> list[Difference]:
    """Procore has attachments and Trestle no document, or Trestle's PDF was built from other
    attachments than Procore's now."""
    try:
        attachments = readable(record.get("attachments") or [])
    except DocumentError:
        return []  # the import names what is wrong with them
    built = built_from(invoice.document.name) if invoice.document else None
    if invoice.document and built in (None, attachments_print(attachments)):
        return []
    if not invoice.document and not attachments:
        return []
    names = ", ".join(str(a.get("filename") or a.get("id")) for a in attachments) or "none"
    if invoice.document:
        held = f"a PDF of {invoice.document_pages} pages from attachments Procore no longer has"
    else:
        held = "waiting for a document" if invoice.awaits_document else "no document"
    difference = _difference(
        invoice, procore_project_id, DiffField.ATTACHMENTS, Side.PROCORE,
        trestle=held, procore=names, what="attachments",
    )  # fmt: skip
    difference.message = (
        f"Procore's attachments of {_name(invoice)} are {names}; Trestle has {held}; "
        "changed in Procore."
    )
    return [difference]


def _difference(
    invoice: ApInvoice, procore_project_id: int, kind: str, side: str, *, trestle: str,
    procore: str, what: str, repair: str = Repair.REIMPORT,
) -> Difference:  # fmt: skip
    verb = "imported" if side == Side.PROCORE else "has"
    return Difference(
        office_id=invoice.office_id,
        flow=FLOW,
        object_id=invoice.pk,
        label=str(invoice),
        procore_project_id=procore_project_id,
        procore_id=invoice.procore_requisition_id,
        key="",
        field=kind,
        trestle_value=trestle,
        procore_value=procore,
        side=side,
        repair=repair,
        message=(
            f"Procore's {what} of {_name(invoice)} is {_shown(kind, procore)}; Trestle {verb} "
            f"{_shown(kind, trestle)}; {WHERE[side]}."
        ),
    )


def _deleted(invoice: ApInvoice, procore_project_id: int) -> Difference:
    difference = _difference(
        invoice, procore_project_id, DiffField.RECORD_DELETED, Side.PROCORE,
        trestle=f"{_name(invoice)} (#{invoice.pk})", procore="deleted", what="",
        repair=Repair.UNLINK,
    )  # fmt: skip
    difference.message = (
        f"{invoice} (requisition #{invoice.procore_requisition_id}) is no longer in "
        "Procore; Trestle imported it; changed in Procore."
    )
    return difference


def _shown(kind: str, value: str) -> str:
    """An amount as a person reads it ("$4,000.00"); the stored value stays plain for the CSV."""
    return present.money(value) if kind == DiffField.AMOUNT else value


def _name(invoice: ApInvoice) -> str:
    return f"invoice {invoice.invoice_number}"
