"""The "ap_import" run: per mapped project, commitments first (invoices link to them), then the
approved and approved-as-noted requisitions changed since the cursor, each on its own: one
that fails is recorded with the reason and the others go on. A run given `requisitions`
({Procore project id: ids}, the report's re-import) reads those only, whatever their status."""

from collections import Counter
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.ap_invoices.models import ApInvoice, ApQueue
from apps.projects.models import Project

from ..client import resources
from ..client.errors import NeedsReconnect, PermissionDenied, ProcoreError
from ..client.http import ProcoreClient
from ..client.pages import filters
from ..engine_models import ExternalRef, Outcome, SyncItem, SyncRun
from ..live import live_connection
from ..mapping.common import MappingError, is_procore_id
from ..runs import RunRecorder, sync_settings_for
from .commitments import commitments_import
from .documents import DocumentError, attachments_print, combine
from .downloads import Downloads, Files
from .invoices import (
    WAITING,
    WAITING_FIX,
    Document,
    NewInvoices,
    Target,
    existing_invoices,
    invoice_import,
    needs_document,
)
from .mapping import STATUSES, RequisitionData, requisition_data, requisition_label

CURSOR = "ap_import:requisitions"
OVERLAP = timedelta(minutes=2)  # clocks differ and a write may land mid-run
CHUNK = 100  # invoices looked up, and their run items written, together
IDS_PER_REQUEST = 100  # `filters[id][]` values per list request: the URL stays short
MODES = ("auto_queue", "auto_route", "manual")


def mapped_projects(office) -> list[tuple[Project, int]]:
    refs = ExternalRef.objects.filter(
        office=office,
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        procore_id__isnull=False,
    ).exclude(state="unlinked")
    projects = Project.objects.in_bulk([r.object_id for r in refs])
    return [(projects[r.object_id], r.procore_id) for r in refs if r.object_id in projects]


def ap_import_flow(run: SyncRun, recorder: RunRecorder) -> None:
    settings = sync_settings_for(run.office)
    client = ProcoreClient(live_connection(run.office))
    started = timezone.now()
    chosen = run.params.get("requisitions")
    since = None if run.params.get("full") or chosen else _cursor(settings)
    projects = mapped_projects(run.office)
    if chosen is not None:
        projects = [(p, pid) for p, pid in projects if str(pid) in chosen]
    run.progress_total = len(projects)
    run.save(update_fields=["progress_total"])
    with Downloads(client) as downloads:
        for project, procore_project_id in projects:
            recorder.add(*commitments_import(client, project, procore_project_id))
            target = _target(settings, project, run)
            records = (
                requisitions_by_id(client, procore_project_id, chosen[str(procore_project_id)])
                if chosen is not None
                else approved_requisitions(client, procore_project_id, since, started)
            )
            while chunk := list(islice(records, CHUNK)):
                _chunk_import(downloads, target, chunk, recorder)
            recorder.add(Counter(), [], done=1)
    if chosen is None and not recorder.counts.get("failed"):  # a failed one is read again
        settings.cursors = {**settings.cursors, CURSOR: started.isoformat()}
        settings.save(update_fields=["cursors"])


def _chunk_import(
    downloads: Downloads, target: Target, chunk: list[dict], recorder: RunRecorder
) -> None:
    """Up to CHUNK listed invoices: looked up together, their attachments fetched ahead in the
    pool while each invoice is handled in turn here (new ones written in batches), their run
    items written together."""
    items, readable = _readable(chunk)
    known = existing_invoices(target, [data.requisition_id for _, data in readable])
    batch = NewInvoices(target)
    try:
        for (record, data), files in downloads.ahead(readable, _to_fetch(known)):
            items.append(_one(target, record, data, known, files, batch))
        batch.flush()
    finally:  # what was imported is recorded even when the run stops mid-chunk; invoices
        # still in the batch were not written, have no item, and the next run imports them
        done = [item for item in items if item.outcome]
        recorder.add(Counter(item.outcome for item in done), done)


def _to_fetch(known: dict[int, ApInvoice]):
    """The attachments to download for a listed invoice; None when its document stays."""

    def attachments(pair: tuple[dict, RequisitionData]) -> list[dict] | None:
        record, data = pair
        found = record.get("attachments") or []
        return found if found and needs_document(known.get(data.requisition_id), data) else None

    return attachments


def _cursor(settings) -> datetime | None:
    value = settings.cursors.get(CURSOR)
    return parse_datetime(value) - OVERLAP if value else None


def import_queue(settings, office) -> ApQueue | None:
    """The queue the office's Procore invoices go to (the wizard's choice)."""
    queue_id = settings.options.get("ap_queue_id")
    return ApQueue.objects.filter(office=office, pk=queue_id).first() if queue_id else None


def _target(settings, project: Project, run: SyncRun) -> Target:
    queue = import_queue(settings, project.office)
    route = settings.options.get("ap_import") == "auto_route"
    without_document = settings.options.get("ap_without_document", "wait")
    return Target(project, queue, route, run.requested_by, without_document)


def approved_requisitions(client: ProcoreClient, procore_project_id: int, since=None, until=None):
    """`filters[status]` takes one value (§8.3), so one listing per imported status; all of
    them without `since`, else those changed from `since` to `until`."""
    for status in STATUSES:
        params = {"filters[status]": status}
        if since is not None:
            params["filters[updated_at]"] = f"{_utc(since)}...{_utc(until + OVERLAP)}"
        yield from resources.requisitions(client, project_id=procore_project_id, params=params)


def requisitions_by_id(client: ProcoreClient, procore_project_id: int, ids: list[int]):
    """These requisitions, every status, IDS_PER_REQUEST ids to a list request (`filters[id][]`,
    §8.3) at the largest page size: one request per hundred, never one per invoice. A deleted
    one is not listed."""
    chosen = iter(sorted(ids))
    while chunk := list(islice(chosen, IDS_PER_REQUEST)):
        params = filters(id=chunk)
        yield from resources.requisitions(client, project_id=procore_project_id, params=params)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _readable(chunk: list[dict]) -> tuple[list[SyncItem], list[tuple[dict, RequisitionData]]]:
    """The chunk's records with their mapped data; one that cannot be read becomes a failed
    item naming the field (its invoice is read again by the next run: the cursor stays)."""
    items, readable = [], []
    for record in chunk:
        try:
            readable.append((record, requisition_data(record)))
        except MappingError as exc:
            items.append(_unreadable(record, str(exc)))
    return items, readable


def _unreadable(record: dict, reason: str) -> SyncItem:
    known = record.get("id") if isinstance(record, dict) else None
    return SyncItem(
        entity="ap_invoices",
        direction="in",
        procore_id=known if is_procore_id(known) else None,
        label=requisition_label(record),
        outcome=Outcome.FAILED,
        message=f"Procore's invoice could not be read: {reason}",
        fix="Correct the invoice in Procore; the next run imports it.",
    )


def _one(
    target: Target,
    record: dict,
    data: RequisitionData,
    known: dict[int, ApInvoice],
    files: "Future[Files] | None",
    batch: NewInvoices,
) -> SyncItem:
    item = SyncItem(
        entity="ap_invoices",
        direction="in",
        procore_id=data.requisition_id,
        label=f"Invoice {data.invoice_number} ({data.procore_status})"[:200],
    )
    invoice, attachments = known.get(data.requisition_id), record.get("attachments")
    try:  # a download's error is raised here, by result(), and fails this invoice alone
        pdf = combine(files.result()) if files is not None else None
        document = Document(*pdf, source=attachments_print(attachments)) if pdf else None
        if invoice is None and batch.takes(data, document):
            batch.add(data, document, item)  # the batch completes the item when written
            return item
        outcome, message, invoice = invoice_import(target, data, invoice, document)
        item.outcome, item.message, item.object_id = outcome, message, invoice.pk
        item.fix = WAITING_FIX if message == WAITING else ""
    except ValidationError as exc:
        item.outcome, item.message = Outcome.FAILED, " ".join(exc.messages)
    except DocumentError as exc:
        item.outcome, item.message = Outcome.FAILED, str(exc)
        item.fix = "Fix the attachment in Procore; the next run imports the invoice."
    except (NeedsReconnect, PermissionDenied):
        raise  # the connection's problem, not this invoice's: the run stops with it
    except ProcoreError as exc:
        item.outcome, item.message = Outcome.FAILED, f"Downloading the attachments: {exc.message}"
        item.fix = "Retry failed (or the next run) downloads them again."
    return item
