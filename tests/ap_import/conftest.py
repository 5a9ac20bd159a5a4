"""A Procore project with a subcontract and a purchase order, linked to a Trestle project in an
office whose Procore invoices go into the "Procore" queue. Vendors are linked as the vendor
import links them; requisitions are added per test with their PDFs."""

import io
from dataclasses import dataclass

import pytest
from pypdf import PdfWriter

from apps.ap_invoices.models import ApQueue, Vendor
from apps.procore_sandbox import ids
from apps.procore_sandbox.generic import attachment_json
from apps.procore_sandbox.models import SandboxAttachment, SandboxRecord
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.project_mapping import project_map
from apps.projects.models import Project
from tests.sync_engine.conftest import Procore, procore  # noqa: F401  (the fixture)
from tests.time_export.conftest import link


def pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Books:
    procore: Procore
    tenant: object
    project: Project
    procore_project_id: int
    vendor: Vendor
    subcontract_id: int
    purchase_order_id: int
    queue: ApQueue

    def configure(self, mode: str = "auto_queue") -> None:
        settings = self.procore.settings
        settings.options = {**settings.options, "ap_import": mode, "ap_queue_id": self.queue.pk}
        settings.flows = {"ap_invoices": True}
        settings.save()

    def requisition(
        self, *, status="approved", files=((b"", 1),), number="INV-1", **data
    ) -> SandboxRecord:
        """An invoice on the subcontract; `files` are (content, pages): empty content means a
        PDF of that many pages."""
        record = self.procore.add(
            "requisitions",
            project_id=self.procore_project_id,
            **{
                "number": 1,
                "invoice_number": number,
                "status": status,
                "commitment_id": self.subcontract_id,
                "commitment_type": "WorkOrderContract",
                "vendor_id": self.vendor_procore_id,
                "vendor_name": "Rocky Drywall",
                "contract_name": "Rocky Drywall SC",
                "billing_date": "2026-10-31",
                "requisition_start": "2026-10-01",
                "requisition_end": "2026-10-31",
                "total_claimed_amount": "10000.00",
                "summary": {"total_retainage": "1000.00", "current_payment_due": "9000.00"},
                **data,
            },
        )
        attachments = []
        for n, (content, pages) in enumerate(files, start=1):
            attachments.append(
                SandboxAttachment.objects.create(
                    id=ids.allocate(),
                    record=record,
                    filename=f"{number}-{n}.pdf",
                    content_type="application/pdf",
                    content=content or pdf(pages),
                )
            )
        record.data["attachments"] = [attachment_json(a) for a in attachments]
        record.save(update_fields=["data"])
        return record

    @property
    def vendor_procore_id(self) -> int:
        return self._vendor_procore_id

    def run(self, flow: str = "ap_import", **params) -> SyncRun:
        return self.procore.run(flow, self.tenant.owner, **params)


@pytest.fixture
def books(procore, tenant) -> Books:  # noqa: F811
    office = tenant.office
    remote = procore.add("projects", name="Summit", project_number="D-1", active=True)
    remote_vendor = procore.add("vendors", name="Rocky Drywall", is_active=True)
    subcontract = procore.add(
        "work_order_contracts",
        project_id=remote.id,
        number="SC-001",
        title="Drywall",
        status="Approved",
        vendor_id=remote_vendor.id,
        grand_total="100000.00",
    )
    purchase_order = procore.add(
        "purchase_order_contracts",
        project_id=remote.id,
        number="PO-001",
        title="Board",
        status="Approved",
        vendor_id=remote_vendor.id,
        grand_total="20000.00",
    )
    project = Project.objects.create(office=office, number="D-1", name="Summit")
    project_map(
        project=project, procore_project={"id": remote.id, "name": "Summit"}, user=tenant.owner
    )
    vendor = Vendor.objects.create(office=office, name="Rocky Drywall")
    link(office, vendor, "vendor", remote_vendor.id)
    queue = ApQueue.objects.create(office=office, name="Procore")
    result = Books(
        procore=procore,
        tenant=tenant,
        project=project,
        procore_project_id=remote.id,
        vendor=vendor,
        subcontract_id=subcontract.id,
        purchase_order_id=purchase_order.id,
        queue=queue,
    )
    result._vendor_procore_id = remote_vendor.id
    result.configure()
    return result
