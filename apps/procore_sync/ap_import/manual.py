"""The manual "Procore Import" of the AP invoice entry page.

The approved and approved-as-noted invoices of an office's mapped projects are listed live; the
one picked becomes the entry form's values as plain data (no attachments), which the entry page
saves keyed by the requisition id, the same key as the "ap_import" run, so neither ever makes a
second invoice of one requisition. Procore errors escape as RunError (not connected) or
ProcoreError: nothing is written here.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from apps.ap_invoices.models import ApInvoice
from apps.offices.models import Office
from apps.projects.models import Project

from ..client import resources
from ..client.http import ProcoreClient
from ..live import live_connection
from ..mapping.common import MappingError
from ..models import ConnectionStatus
from ..runs import sync_settings_for
from .flow import approved_requisitions, import_queue, mapped_projects
from .invoices import LinkedRecords, invoice_fields
from .mapping import STATUSES, RequisitionData, requisition_data


@dataclass(frozen=True)
class Importable:
    """One invoice of the list, with the Trestle invoice it already is (if it is)."""

    data: RequisitionData
    project: Project
    procore_project_id: int
    invoice: ApInvoice | None

    @property
    def amount(self) -> Decimal:
        return sum((amount for _, amount, _ in self.data.lines), Decimal("0.00"))


def import_office_list(account) -> list[Office]:
    """The account's offices with a live Procore connection to a company."""
    return list(
        Office.objects.for_account(account)
        .filter(
            procore_connections__status=ConnectionStatus.CONNECTED,
            procore_connections__company_id__isnull=False,
        )
        .distinct()
        .order_by("name")
    )


def importable_list(office: Office) -> list[Importable]:
    client = ProcoreClient(live_connection(office))
    found = [
        (project, procore_project_id, data)
        for project, procore_project_id in mapped_projects(office)
        for record in approved_requisitions(client, procore_project_id)
        if (data := _readable(record)) is not None
    ]
    invoices = ApInvoice.objects.filter(
        office=office, procore_requisition_id__in=[d.requisition_id for _, _, d in found]
    )
    imported = {i.procore_requisition_id: i for i in invoices}
    return [Importable(d, p, pid, imported.get(d.requisition_id)) for p, pid, d in found]


def _readable(record: dict) -> RequisitionData | None:
    """The invoice's data; None for one that cannot be read, left out of the list (the AP
    import run names it, with the field, on a failed item)."""
    try:
        return requisition_data(record)
    except MappingError:
        return None


def invoice_prefill(office: Office, *, procore_project_id: int, requisition_id: int) -> dict:
    """The entry page's values for one requisition (see `invoice_prefill_offer`), read again
    from Procore; ValidationError if it is not an approved invoice of a mapped project, or is
    in Trestle already."""
    project = {pid: p for p, pid in mapped_projects(office)}.get(procore_project_id)
    if project is None:
        raise ValidationError("That Procore project is not mapped to a project of this office.")
    client = ProcoreClient(live_connection(office))
    record = resources.requisition(client, requisition_id, project_id=procore_project_id)
    try:
        data = requisition_data(record)
    except MappingError as exc:
        raise ValidationError(f"Procore invoice {requisition_id} could not be read: {exc}") from exc
    if record.get("status") not in STATUSES:
        raise ValidationError(
            f"Procore invoice {record.get('invoice_number') or requisition_id} is "
            f"{record.get('status') or 'not approved'}: only approved invoices are imported."
        )
    existing = ApInvoice.objects.filter(office=office, procore_requisition_id=data.requisition_id)
    if invoice := existing.first():
        raise ValidationError(f"Procore invoice {data.invoice_number} is already in as {invoice}.")
    return _prefill(office, project, data)


def _prefill(office: Office, project: Project, data: RequisitionData) -> dict:
    fields = invoice_fields(project, data, LinkedRecords(office))
    queue = import_queue(sync_settings_for(office), office)
    initial = {k: getattr(v, "pk", v) for k, v in fields.items()}
    initial = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in initial.items()}
    return {
        "account": office.account_id,
        "office": office.pk,
        "source": f"Procore invoice {data.invoice_number} ({data.procore_status})",
        "initial": {"office": office.pk, "queue": queue.pk if queue else None, **initial},
        "lines": [
            {"description": d, "amount": str(a), "retainage": str(r)} for d, a, r in data.lines
        ],
        "procore": {
            "requisition_id": data.requisition_id,
            "status": data.procore_status,
            "updated_at": data.updated_at.isoformat() if data.updated_at else None,
        },
        "notes": _notes(data, fields),
    }


def _notes(data: RequisitionData, fields: dict) -> list[str]:
    """Why the vendor or the commitment is left empty: not linked to Procore's yet."""
    notes = []
    if fields["vendor"] is None:
        notes.append(
            f"The Procore vendor {data.vendor_name or data.vendor_id} is not linked to a Trestle "
            "vendor yet (the vendor import links it), so the vendor is left empty."
        )
    if fields["commitment"] is None:
        notes.append(
            f"The commitment {data.contract_name or data.commitment_id} is not linked to a "
            "Trestle commitment yet (the AP import brings it in), so it is left empty."
        )
    return notes
