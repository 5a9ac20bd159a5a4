"""The floor of a sync run: the same HTTP pages with bare `requests`, rows written with COPY.

It does the work a sync cannot avoid and nothing else: fetch each page once (`requests.get`,
`json.loads`), map it with the same pure mapping functions, and write the page's records and
their links (ExternalRef, so a later run can tell what changed) with psycopg 3 `cursor.copy`:
per page one id-block query, one COPY of records, one COPY of links, in one transaction. It
writes into an office of its own so it never meets the engine's rows. The AP import's floor
(`InvoiceFloor`) adds what an invoice cannot do without: its attachments downloaded, combined
with pypdf and the PDF written to disk. Import after `stack.django_setup()`.
"""

import io
import json
import math
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import requests
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pypdf import PdfReader, PdfWriter

from apps.ap_invoices.models import ApInvoice, ApInvoiceLine
from apps.ap_invoices.totals import invoice_totals
from apps.procore_sync.ap_import.mapping import RequisitionData, requisition_data
from apps.procore_sync.entities import ENTITIES, Batch, Entity
from apps.procore_sync.importers.upsert import synced_print
from apps.procore_sync.mapping.common import MappingError
from apps.procore_sync.mapping.people import employee_to_procore

from .meters import Stopwatch


@dataclass
class FloorResult:
    requests: int = 0
    records: int = 0
    statements: int = 0
    seconds_http: float = 0.0  # waiting for pages, json.loads included
    seconds_links: float = 0.0  # of the write time, the COPY of links
    written: Counter = field(default_factory=Counter)


def _value(model_field: models.Field, row: dict[str, Any], now: datetime) -> Any:
    if model_field.attname in row:
        value = row[model_field.attname]
    elif model_field.attname in ("created_at", "updated_at"):
        value = now
    else:
        value = model_field.get_default()
    return json.dumps(value) if isinstance(model_field, models.JSONField) else value


def copy_rows(cur: psycopg.Cursor, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    pk = model._meta.pk.attname
    fields = [f for f in model._meta.concrete_fields if f.attname != pk or pk in rows[0]]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    now = timezone.now()
    with cur.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_value(f, row, now) for f in fields])


def reserve_ids(cur: psycopg.Cursor, model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        (table, count),
    )
    return [row[0] for row in cur.fetchall()]


class ImportFloor:
    """Replays a run's GET pages (label "<entity> in") into `office`."""

    def __init__(self, dsn: str, office_id: int, headers: dict[str, str]) -> None:
        self.conn = psycopg.connect(dsn)
        self.office_id = office_id
        self.headers = headers
        self.result = FloorResult()
        self.local: dict[tuple[str, int], int] = {}  # (procore_type, procore id) -> local pk

    def fetch(self, url: str) -> list[dict[str, Any]]:
        with Stopwatch() as watch:
            response = requests.get(url, headers=self.headers, timeout=60)
            response.raise_for_status()
            records = json.loads(response.content)
        self.result.seconds_http += watch.seconds
        self.result.requests += 1
        self.result.records += len(records)
        return records

    def run(self, pages: list[tuple[str, str]]) -> FloorResult:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for label, url in pages:
            if label.endswith(" in"):
                by_entity[label.removesuffix(" in")].append(url)
        for name, urls in by_entity.items():
            if name == "cost_codes":  # mapping needs the whole list (divisions), as the engine
                self.cost_codes(urls)
                continue
            for url in urls:
                parent = dict(parse_qsl(urlsplit(url).query)).get("project_id")
                parent_pk = self.local.get(("project", int(parent))) if parent else None
                self.write(ENTITIES[name], Batch(self.fetch(url), context={"parent": parent_pk}))
        self.conn.close()
        return self.result

    def cost_codes(self, urls: list[str]) -> None:
        codes = [record for url in urls for record in self.fetch(url)]
        divisions = {c["id"]: c for c in codes if c.get("parent_id") is None}
        for start in range(0, len(codes), 1000):
            batch = Batch(codes[start : start + 1000], None, {"divisions": divisions})
            self.write(ENTITIES["cost_codes"], batch)

    def write(self, entity: Entity, batch: Batch) -> None:
        mapped = []
        for record in batch.records:
            try:
                fields = entity.map_in(record, batch)
            except MappingError:
                continue
            if fields is not None:
                if "custom_fields" in entity.fields:  # the seed sets no values on records
                    fields["custom_fields"] = {}
                mapped.append((record, fields))
        if not mapped:
            return
        with self.conn.transaction(), self.conn.cursor() as cur:
            ids = reserve_ids(cur, entity.model, len(mapped))
            copy_rows(cur, entity.model, [self.row(entity, batch, f, i) for (_, f), i in
                                          zip(mapped, ids, strict=True)])  # fmt: skip
            with Stopwatch() as watch:
                copy_rows(cur, _ref_model(), self.links(entity, mapped, ids))
            self.result.seconds_links += watch.seconds
        self.result.statements += 3
        self.result.written[entity.name] += len(mapped)
        for (record, _), pk in zip(mapped, ids, strict=True):
            self.local[(entity.procore_type, record["id"])] = pk

    def row(self, entity: Entity, batch: Batch, fields: dict, pk: int) -> dict[str, Any]:
        row = {name: fields[name] for name in entity.fields if name in fields}
        row |= {"id": pk, "office_id": self.office_id}
        for key, (fk, procore_type) in entity.relations.items():
            row[f"{fk}_id"] = self.local.get((procore_type, fields.get(key)))
        if entity.parent_field:
            row[f"{entity.parent_field}_id"] = batch.context["parent"]
        return row

    def links(self, entity: Entity, mapped: list, ids: list[int]) -> list[dict[str, Any]]:
        content_type = ContentType.objects.get_for_model(entity.model).pk
        now = timezone.now()
        return [
            {"office_id": self.office_id, "content_type_id": content_type, "object_id": pk}
            | {"procore_type": entity.procore_type, "procore_id": record["id"]}
            | {"origin_id": record.get("origin_id") or "", "synced_at": now}
            | {"fingerprint": synced_print(entity, fields), "state": "synced"}
            | {"procore_updated_at": parse_datetime(record.get("updated_at") or "")}
            for (record, fields), pk in zip(mapped, ids, strict=True)
        ]


def _ref_model() -> type[models.Model]:
    from apps.procore_sync.engine_models import ExternalRef

    return ExternalRef


def replay_pages(urls: list[str], headers: dict[str, str]) -> FloorResult:
    """The floor of a run with nothing to write: each page fetched and parsed once."""
    result = FloorResult()
    for url in urls:
        with Stopwatch() as watch:
            response = requests.get(url, headers=headers, timeout=60)
            response.raise_for_status()
            result.records += len(json.loads(response.content))
        result.seconds_http += watch.seconds
        result.requests += 1
    return result


EMPLOYEES_SQL = "SELECT * FROM timecards_employee WHERE office_id = %s AND id = ANY(%s::bigint[])"
LINKS_SQL = """
SELECT procore_type, object_id, procore_id, origin_id FROM procore_sync_externalref
WHERE office_id = %(office)s AND (procore_type = 'work_classification' OR (
      procore_type = 'company_user' AND content_type_id = %(type)s
      AND object_id = ANY(%(ids)s::bigint[])))
"""


def export_employees(
    dsn: str, office_id: int, ids: list[int], url: str, headers: dict[str, str]
) -> FloorResult:
    """Send `ids` (changed employees, all linked) by sync action, 1,000 per call, and store the
    new fingerprints with one COPY into a temporary table and one UPDATE."""
    result, entity = FloorResult(), ENTITIES["employees"]
    employee_type = ContentType.objects.get_for_model(entity.model).pk
    with psycopg.connect(dsn) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(EMPLOYEES_SQL, (office_id, ids)).fetchall()
        links = {
            (r["procore_type"], r["object_id"]): r
            for r in cur.execute(
                LINKS_SQL, {"office": office_id, "type": employee_type, "ids": ids}
            )
        }
        bodies, prints = [], {}
        for row in rows:
            classification = links.get(("work_classification", row["work_classification_id"]))
            classification_id = classification["procore_id"] if classification else None
            values = {name: row[name] for name in entity.fields}
            values["work_classification_procore_id"] = classification_id
            prints[row["id"]] = synced_print(entity, values)
            body = employee_to_procore(
                SimpleNamespace(**row), work_classification_procore_id=classification_id
            )
            link = links[("company_user", row["id"])]
            bodies.append(body | {"id": link["procore_id"], "origin_id": link["origin_id"]})
        saved = _send(url, bodies, headers, result)
        by_procore = {links[("company_user", row["id"])]["procore_id"]: row["id"] for row in rows}
        cur.execute("CREATE TEMP TABLE floor_refs (object_id bigint, fingerprint text, at text)")
        with cur.copy("COPY floor_refs FROM STDIN") as copy:
            for entity_json in saved:
                pk = by_procore[entity_json["id"]]
                copy.write_row([pk, prints[pk], entity_json.get("updated_at")])
        cur.execute(
            "UPDATE procore_sync_externalref r SET fingerprint = f.fingerprint, "
            "procore_updated_at = f.at::timestamptz, synced_at = now(), state = 'synced', "
            "error = '' FROM floor_refs f WHERE r.office_id = %s AND "
            "r.procore_type = 'company_user' AND r.content_type_id = %s AND "
            "r.object_id = f.object_id",
            (office_id, employee_type),
        )
        result.statements = 6  # 2 selects, create temp, copy, update, commit
        result.records = len(saved)
    return result


def _send(url: str, bodies: list[dict], headers: dict[str, str], result: FloorResult) -> list:
    saved = []
    for start in range(0, len(bodies), 1000):
        with Stopwatch() as watch:
            response = requests.patch(
                url, json={"updates": bodies[start : start + 1000]}, headers=headers, timeout=300
            )
            response.raise_for_status()
            answer = json.loads(response.content)
        result.seconds_http += watch.seconds
        result.requests += 1
        saved.extend(answer.get("entities", []))
    result.written["employees"] = len(saved)
    assert result.requests == math.ceil(len(bodies) / 1000)
    return saved


class InvoiceFloor:
    """The floor of an AP import: its list pages fetched and parsed, each requisition's
    attachments downloaded (`requests.get`, `concurrency` requisitions at a time, as many as
    Trestle's pool, running ahead as far as they can) and combined with pypdf, the PDF written
    to `folder`, and per page the invoices and their lines written with one id-block query and
    two COPYs into `office`, linked to the vendor and commitments `links` names (Procore id ->
    pk). `seconds_http` is the time the main thread waited for Procore."""

    def __init__(
        self,
        dsn: str,
        office_id: int,
        links: dict,
        headers: dict,
        folder: Path,
        concurrency: int = 1,
    ) -> None:
        self.conn = psycopg.connect(dsn)
        self.office_id, self.links, self.headers, self.folder = office_id, links, headers, folder
        self.result = FloorResult()
        self.seconds_combine = 0.0  # pypdf: read each attachment, write the combined PDF
        self.pool = ThreadPoolExecutor(concurrency) if concurrency > 1 else None
        self.sessions = threading.local()  # keep-alive as Trestle's client has, one per thread

    def run(self, urls: list[str]) -> FloorResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        for url in urls:
            with Stopwatch() as watch:
                response = requests.get(url, headers=self.headers, timeout=60)
                response.raise_for_status()
                records = json.loads(response.content)
            self.result.seconds_http += watch.seconds
            self.result.requests += 1
            self.result.records += len(records)
            if "/requisitions" in urlsplit(url).path and records:
                self.write(self.invoices(records))
        self.conn.close()
        if self.pool is not None:
            self.pool.shutdown()
        return self.result

    def invoices(self, records: list[dict[str, Any]]) -> list[tuple[RequisitionData, str, int]]:
        fetched = (self.pool.map if self.pool else map)(self.files, records)
        written = []
        for record in records:
            with Stopwatch() as watch:
                files = next(fetched)
            self.result.seconds_http += watch.seconds
            self.result.requests += len(files)
            written.append(self.invoice(record, files))
        return written

    def files(self, record: dict[str, Any]) -> list[bytes]:
        """A requisition's attachments (HTTP only: it runs in the pool)."""
        files = []
        if not hasattr(self.sessions, "session"):
            self.sessions.session = requests.Session()
        for attachment in record["attachments"]:
            response = self.sessions.session.get(attachment["url"], timeout=60)
            response.raise_for_status()
            files.append(response.content)
        return files

    def invoice(self, record: dict, files: list[bytes]) -> tuple[RequisitionData, str, int]:
        with Stopwatch() as watch:
            writer = PdfWriter()
            for content in files:
                writer.append(PdfReader(io.BytesIO(content)))
            buffer = io.BytesIO()
            writer.write(buffer)
        self.seconds_combine += watch.seconds
        name = f"procore-invoice-{record['id']}.pdf"
        (self.folder / name).write_bytes(buffer.getvalue())
        return requisition_data(record), name, len(writer.pages)

    def write(self, invoices: list[tuple[RequisitionData, str, int]]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            ids = reserve_ids(cur, ApInvoice, len(invoices))
            rows, lines = [], []
            for (data, name, pages), pk in zip(invoices, ids, strict=True):
                rows.append(self.invoice_row(data, name, pages) | {"id": pk})
                lines += [
                    {"invoice_id": pk, "position": n, "description": d, "amount": a,
                     "retainage": r}
                    for n, (d, a, r) in enumerate(data.lines, start=1)
                ]  # fmt: skip
            copy_rows(cur, ApInvoice, rows)
            copy_rows(cur, ApInvoiceLine, lines)
        self.result.statements += 3
        self.result.written["ap_invoices"] += len(rows)

    def invoice_row(self, data: RequisitionData, name: str, pages: int) -> dict[str, Any]:
        totals = invoice_totals((a, r) for _, a, r in data.lines)
        return {
            "office_id": self.office_id,
            "queue_id": self.links["queue"],
            "project_id": self.links["project"],
            "vendor_id": self.links["vendors"].get(str(data.vendor_id)),
            "commitment_id": self.links["commitments"].get(str(data.commitment_id)),
            "invoice_number": data.invoice_number,
            "billing_date": data.billing_date,
            "period_start": data.period_start,
            "period_end": data.period_end,
            "subtotal": totals.subtotal,
            "retainage": totals.retainage,
            "total": totals.total,
            "document": name,
            "document_pages": pages,
            "procore_requisition_id": data.requisition_id,
            "procore_status": data.procore_status,
            "procore_updated_at": data.updated_at,
            "created_by_id": self.links["user"],
        }
