"""Realistic, deterministic demo companies (`manage.py procore_sandbox_seed`).

Two companies, both reachable with the one demo login, so the company picker after consent offers
both: the demo contractor's "Sandbox Builders Inc." (sized by `Sizes`) and the demo customer's own
"Riverside Development", whose project Riverside Lofts (RD-1) takes the Change Events a customer
pushes. Records are built in memory with ids taken in blocks and written with bulk_create, so a
20,000-employee, 2,000-project company takes seconds, not minutes. Same sizes and seed, same
data; on a fresh database, the same ids too.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from . import ids, registry
from .models import SandboxAttachment, SandboxCompany, SandboxRecord

DEMO_COMPANY = "Sandbox Builders Inc."
# The demo customer's company and project, named as apps/core's demo_setup names them in Trestle;
# its general contractor (a vendor with a subcontract on the project) is the demo contractor.
CUSTOMER_COMPANY = "Riverside Development"
CUSTOMER_CONTRACTOR = "Demo Construction Co."
ID_BLOCK = 10_000
FIRST = ["Ana", "Ben", "Carla", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena"]
LAST = ["Garcia", "Smith", "Nguyen", "Patel", "Kim", "Brown", "Lopez", "Okafor", "Rossi", "Berg"]
CITIES = [("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Raleigh", "NC", "27601")]
DIVISIONS = [
    ("01", "General Requirements", ["Supervision", "Temporary Facilities", "Cleanup"]),
    ("03", "Concrete", ["Formwork", "Reinforcing", "Cast-in-Place"]),
    ("09", "Finishes", ["Drywall", "Painting", "Flooring"]),
    ("26", "Electrical", ["Rough-In", "Fixtures", "Low Voltage"]),
]
LINE_ITEM_TYPES = [  # procore-api.md §6: base_type labor is what timecards need
    ("L", "Labor", "labor"),
    ("M", "Materials", "materials"),
    ("E", "Equipment", "equipment"),
    ("S", "Subcontract", "commitment"),
    ("O", "Other", "other"),
]
CLASSIFICATIONS = [("Foreman", "FMN"), ("Journeyman", "JRN"), ("Apprentice", "APP")]
CLASSIFICATIONS += [("Laborer", "LAB"), ("Equipment Operator", "OPR")]
TIME_TYPES = [("Regular Time", "REG"), ("Overtime", "OT"), ("Double Time", "DT")]
TRADES = ["Concrete", "Drywall", "Electrical", "Plumbing", "Steel", "Roofing", "Painting"]


@dataclass(frozen=True)
class Sizes:
    projects: int = 5
    employees: int = 250
    vendors: int = 20
    sub_jobs: int = 3
    cost_codes: int = 12  # in the company's standard cost code list, divisions not counted
    seed: int = 1


CUSTOMER_SIZES = Sizes(projects=1, employees=4, vendors=1, sub_jobs=1)


@dataclass(frozen=True)
class Site:
    """A project's number (Procore's `project_number`), name and address."""

    number: str
    name: str
    city: str
    state: str
    zip_code: str
    address: str


CUSTOMER_SITE = Site("RD-1", "Riverside Lofts", "Springfield", "IL", "62702", "1 River Road")


@dataclass
class Builder:
    """Collects records in memory; `flush` writes them all in bulk."""

    company: SandboxCompany
    rng: random.Random
    domain: str = "sandbox-builders.example"  # of the employees' emails
    records: list[SandboxRecord] = field(default_factory=list)
    attachments: list[SandboxAttachment] = field(default_factory=list)
    now: Any = field(default_factory=timezone.now)
    pool: range = range(0)
    # Company-level WBS segment items as budget codes embed them, by (segment type, code).
    segment_items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    line_item_types: dict[str, int] = field(default_factory=dict)  # code -> id

    def next_id(self) -> int:
        """Ids come from blocks, so a big seed takes one lock per 10,000 records."""
        if not self.pool:
            first = ids.allocate(ID_BLOCK)
            self.pool = range(first, first + ID_BLOCK)
        record_id, self.pool = self.pool[0], self.pool[1:]
        return record_id

    def add(self, resource: str, data: dict[str, Any], **where: Any) -> int:
        return self.put(self.next_id(), resource, data, **where)

    def put(self, record_id: int, resource: str, data: dict[str, Any], **where: Any) -> int:
        origin = data.get("origin_id")
        self.records.append(
            SandboxRecord(
                id=record_id,
                company=self.company,
                resource=resource,
                data=data,
                origin_id=None if origin is None else str(origin),
                created_at=self.now,
                updated_at=self.now,
                **where,
            )
        )
        return record_id

    def flush(self) -> None:
        SandboxRecord.objects.bulk_create(self.records, batch_size=2000)
        SandboxAttachment.objects.bulk_create(self.attachments, batch_size=500)
        self.records, self.attachments = [], []


def seed_demo(sizes: Sizes) -> SandboxCompany:
    """Replace the demo contractor's company with a fresh one of the given sizes."""
    with transaction.atomic():
        build = _fresh(DEMO_COMPANY, sizes.seed)
        _company_level(build, office=("Main Office", "Austin", "TX"))
        _standard_cost_codes(build, sizes.cost_codes)
        build.flush()
        people = _employees(build, sizes.employees, _ids(build.company, "work_classifications"))
        vendors = _vendors(build, sizes.vendors)
        build.flush()
        for number in range(1, sizes.projects + 1):
            _project(build, _numbered_site(number), sizes, people, vendors)
            if len(build.records) > 20_000:
                build.flush()
        build.flush()
    return build.company


def seed_customer() -> SandboxCompany:
    """Replace the demo customer's company: Riverside Lofts with Change Event statuses, budget
    codes, a prime contract and the demo contractor's subcontract, all a COR push reads."""
    sizes = CUSTOMER_SIZES
    with transaction.atomic():
        build = _fresh(CUSTOMER_COMPANY, sizes.seed, domain="riverside-development.example")
        _company_level(build, office=("Riverside HQ", CUSTOMER_SITE.city, CUSTOMER_SITE.state))
        _standard_cost_codes(build, sizes.cost_codes)
        build.flush()
        people = _employees(build, sizes.employees, _ids(build.company, "work_classifications"))
        contractor = _vendor(build, 1, CUSTOMER_CONTRACTOR, "General Contractor")
        _project(build, CUSTOMER_SITE, sizes, people, [contractor])
        build.flush()
    return build.company


def _fresh(name: str, seed: int, **builder: Any) -> Builder:
    """A new empty company `name` (one of that name before is removed) the demo login is in."""
    SandboxAttachment.objects.filter(record__company__name=name).delete()
    SandboxCompany.objects.filter(name=name).delete()
    registry.app_register()
    user = registry.user_create()
    company = registry.company_create(name=name, users=[user])
    return Builder(company, random.Random(seed), **builder)  # noqa: S311 - demo data, not crypto


def _ids(company: SandboxCompany, resource: str) -> list[int]:
    rows = SandboxRecord.objects.filter(company=company, resource=resource).order_by("id")
    return list(rows.values_list("id", flat=True))


def _company_level(build: Builder, *, office: tuple[str, str, str]) -> None:
    office_name, city, state = office
    build.add("offices", {"name": office_name, "city": city, "state_code": state})
    login = registry.DEMO_LOGIN
    build.add(
        "users",
        {"first_name": "Pat", "last_name": "Procore", "email_address": login, "is_active": True}
        | {"is_employee": False, "job_title": "Project Executive"},
    )
    for code, name, base_type in LINE_ITEM_TYPES:
        build.line_item_types[code] = build.add(
            "line_item_types", {"code": code, "name": name, "base_type": base_type}
        )
    for name, abbreviation in CLASSIFICATIONS:
        build.add("work_classifications", {"name": name, "abbreviation": abbreviation})
    for name, abbreviation in TIME_TYPES:
        build.add(
            "timecard_time_types",
            {"time_type": name, "abbreviated_time_type": abbreviation, "global": True},
        )
    for position, (name, mapped) in enumerate(
        [("Open", "open"), ("Pending", "pending"), ("Closed", "closed")]
    ):
        build.add(
            "change_event_statuses",
            {"name": name, "mapped_to_status": mapped, "default_status": position == 0}
            | {"show_in_select": True},
        )
    for reason in ("Owner Request", "Design Change", "Unforeseen Condition"):
        build.add("change_order_change_reasons", {"change_reason": reason, "show_in_select": True})
    for change_type, abbreviation in (("Owner Change", "OC"), ("Allowance", "AL")):
        build.add(
            "change_types",
            {"change_type": change_type, "abbreviation": abbreviation, "show_in_select": True},
        )
    _wbs_segments(build)
    _custom_fields(build)


def _wbs_segments(build: Builder) -> None:
    """procore-api.md §6: the default pattern Sub Job . Cost Code . Cost Type, with the items of
    the cost code segment (divisions, then their codes) and of the cost type segment."""
    segments = [("Sub Job", "sub_job", "flat"), ("Cost Code", "cost_code", "tiered")]
    segments.append(("Cost Type", "line_item_type", "flat"))
    items = {
        "cost_code": [(division, name, None) for division, name, _ in DIVISIONS]
        + [
            (f"{division}-{position * 100}", child, division)
            for division, _, children in DIVISIONS
            for position, child in enumerate(children, start=1)
        ],
        "line_item_type": [(code, name, None) for code, name, _ in LINE_ITEM_TYPES],
    }
    for position, (name, kind, structure) in enumerate(segments, start=1):
        segment = build.add(
            "wbs_segments",
            {"name": name, "type": kind, "position": position, "delimiter": "."}
            | {"required": kind != "sub_job", "structure": structure},
        )
        for code, item_name, parent in items.get(kind, []):
            _segment_item(
                build, {"id": segment, "name": name, "type": kind}, code, item_name, parent
            )


def _segment_item(
    build: Builder, segment: dict[str, Any], code: str, name: str, parent: str | None
) -> None:
    parent_id = build.segment_items[segment["type"], parent]["id"] if parent else None
    item_id = build.add(
        "wbs_segment_items",
        {"code": code, "name": name, "segment_id": segment["id"], "parent_id": parent_id},
        parent_id=segment["id"],
    )
    build.segment_items[segment["type"], code] = {
        "id": item_id,
        "code": code,
        "name": name,
        "segment": segment,
    }


def _custom_fields(build: Builder) -> None:
    """Three definitions in one fieldset, one of them a list of values (§3.8)."""
    region = build.next_id()
    entries = [
        {"id": build.next_id(), "label": label, "position": n, "active": True}
        for n, label in enumerate(("North", "South", "West"), start=1)
    ]
    for entry in entries:
        build.put(entry["id"], "custom_field_lov_entries", dict(entry), parent_id=region)
    definitions = [
        (build.next_id(), "Cost Center", "string", []),
        (build.next_id(), "Certified Payroll", "boolean", []),
        (region, "Region", "lov_entry", entries),
    ]
    for definition_id, label, data_type, lov_entries in definitions:
        build.put(
            definition_id,
            "custom_field_definitions",
            {"label": label, "data_type": data_type, "active": True}
            | {"configurable_field_sets_count": 1, "custom_field_lov_entries": lov_entries},
        )
    fields = {f"custom_field_{d[0]}": {"required": False, "visible": True} for d in definitions}
    build.add(
        "configurable_field_sets",
        {"name": "Trestle Fields", "type": "ConfigurableFieldSet::Project"}
        | {"class_name": "Project", "fields": fields},
    )


def _employees(build: Builder, count: int, classes: list[int]) -> list[dict[str, Any]]:
    """Employees are company users flagged is_employee, each mirrored as a person (§5)."""
    people = []
    for n in range(count):
        user_id, person_id = build.next_id(), build.next_id()
        first, last = build.rng.choice(FIRST), build.rng.choice(LAST)
        city, state, zip_code = build.rng.choice(CITIES)
        employee_id = f"E{n + 1:05d}"
        classification = classes[n % len(classes)]
        email = f"{first}.{last}.{n + 1}@{build.domain}".lower()
        build.put(
            user_id,
            "users",
            {"first_name": first, "last_name": last, "email_address": email}
            | {"employee_id": employee_id, "is_employee": True, "is_active": n % 25 != 24}
            | {"job_title": "Field Staff", "address": f"{100 + n} Main St", "city": city}
            | {"state_code": state, "zip": zip_code, "country_code": "US"}
            | {"mobile_phone": f"555-{n % 10_000:04d}", "work_classification_id": classification},
        )
        person = {"first_name": first, "last_name": last, "is_employee": True}
        person |= {"employee_id": employee_id, "user_id": user_id, "active": True}
        person |= {"work_classification_id": classification}
        person |= {"contact": {"is_active": True, "email": email}}
        build.put(person_id, "people", person)
        people.append({"id": person_id, **person})
    return people


def _vendors(build: Builder, count: int) -> list[tuple[int, str]]:
    vendors = []
    for n in range(count):
        trade = TRADES[n % len(TRADES)]
        name = f"{build.rng.choice(LAST)} {trade} Co. {n + 1}"
        vendors.append(_vendor(build, n + 1, name, trade))
    return vendors


def _vendor(build: Builder, n: int, name: str, trade: str) -> tuple[int, str]:
    city, state, zip_code = build.rng.choice(CITIES)
    vendor_id = build.add(
        "vendors",
        {"name": name, "abbreviated_name": name[:10], "trade_name": trade, "is_active": True}
        | {"address": f"{n} Industrial Way", "city": city, "state_code": state}
        | {"zip": zip_code, "country_code": "US", "business_phone": "555-0100"}
        | {"email_address": f"ap@vendor{n}.example"},
    )
    return vendor_id, name


def _numbered_site(number: int) -> Site:
    city, state, zip_code = CITIES[number % len(CITIES)]
    name = f"{city} {['Tower', 'Clinic', 'School', 'Warehouse'][number % 4]} {number}"
    return Site(f"{number:04d}", name, city, state, zip_code, f"{number} Project Rd")


def _project(
    build: Builder,
    site: Site,
    sizes: Sizes,
    people: list[dict[str, Any]],
    vendors: list[tuple[int, str]],
) -> None:
    name = site.name
    project = build.add(
        "projects",
        {"name": name, "display_name": f"{site.number} - {name}", "project_number": site.number}
        | {"active": True, "city": site.city, "state_code": site.state, "zip": site.zip_code}
        | {"country_code": "US", "address": site.address, "time_zone": "US/Central"}
        | {
            "start_date": "2026-01-05",
            "total_value": "1250000.00",
            "stage": "Course of Construction",
        },
    )
    where = {"project_id": project}
    for n in range(1, sizes.sub_jobs + 1):
        build.add("sub_jobs", {"name": f"Phase {n}", "code": f"{n:03d}"}, **where)
    codes = _cost_codes(build, project, name)
    _wbs_codes(build, project, codes)
    build.add(
        "prime_contracts",
        {"number": "PC-001", "title": f"{name} Prime Contract", "status": "Approved"}
        | {"executed": True, "grand_total": "1250000.00", "accounting_method": "amount"}
        | {"retainage_percent": "10.0", "contract_date": "2026-01-02"},
        **where,
    )
    for n, vendor in enumerate(build.rng.sample(vendors, min(3, len(vendors))), start=1):
        _commitment(build, Contract(project, site.number, n, vendor), codes)
    crew_people = build.rng.sample(people, min(8, len(people)))
    for n in range(2):
        members = crew_people[n * 4 : n * 4 + 4]
        if members:
            build.add(
                "crews",
                {"name": f"Crew {n + 1}", "lead_party_id": members[0]["id"]}
                | {"members": [_party(p) for p in members], "lead_party": _party(members[0])},
                **where,
            )


def _party(person: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "first_name", "last_name", "is_employee", "employee_id", "user_id")
    return {key: person[key] for key in keys} | {"is_active": True}


def _standard_cost_codes(build: Builder, count: int) -> None:
    """The company's cost code list (§6 "Company-level cost codes"): divisions without a parent,
    codes under them; `count` codes in all, the named ones first."""
    list_id = build.add("standard_cost_code_lists", {"name": "Standard Cost Codes"})
    in_list = {"standard_cost_code_list_id": list_id}
    divisions = []
    for division_code, division, _ in DIVISIONS:
        data = {"code": division_code, "full_code": division_code, "name": division}
        divisions.append(build.add("standard_cost_codes", data | in_list | {"parent_id": None},
                                   parent_id=list_id))  # fmt: skip
    named = [(n, f"{(p + 1) * 100}", child) for n, (_, _, kids) in enumerate(DIVISIONS)
             for p, child in enumerate(kids)]  # fmt: skip
    extra = [(i % len(DIVISIONS), f"{1000 + i}", f"Item {1000 + i}") for i in range(count)]
    for n, code, name in (named + extra)[:count]:
        full = f"{DIVISIONS[n][0]}-{code}"
        data = {"code": code, "full_code": full, "name": name, "parent_id": divisions[n]}
        build.add("standard_cost_codes", data | in_list, parent_id=list_id)


def _cost_codes(build: Builder, project: int, biller: str) -> list[tuple[int, str, str]]:
    """Divisions are the parent tier; their codes carry `parent{id}` and cost types (§6)."""
    codes = []
    where = {"project_id": project}
    common = {"biller": biller, "biller_id": project, "biller_type": "Project", "budgeted": True}
    # §6: a code's cost types; a labor one is what timecard entries need.
    types = [
        {"id": build.line_item_types[code], "name": name, "code": code, "base_type": base_type}
        for code, name, base_type in LINE_ITEM_TYPES
    ]
    for division_code, division, children in DIVISIONS:
        parent = build.add(
            "cost_codes",
            {"code": division_code, "name": division, "full_code": division_code}
            | {"sortable_code": division_code, "parent": None, "position": 0}
            | common,
            **where,
        )
        for position, child in enumerate(children, start=1):
            code = f"{position * 100}"
            full = f"{division_code}-{code}"
            code_id = build.add(
                "cost_codes",
                {"code": code, "name": child, "full_code": full, "sortable_code": full}
                | {"parent": {"id": parent}, "position": position, "line_item_types": types}
                | common,
                **where,
            )
            codes.append((code_id, full, child))
    return codes


def _wbs_codes(build: Builder, project: int, codes: list[tuple[int, str, str]]) -> None:
    """Budget codes: each cost code with each cost type. `segment_items` name both (§6), so a
    client can tell the cost code and the cost type of a code; `cost_code_id` and
    `line_item_type_id` are the sandbox's own links, not answered by the wbs_codes list."""
    for code_id, full_code, name in codes:
        for letter, type_name, _ in LINE_ITEM_TYPES:
            build.add(
                "wbs_codes",
                {"flat_code": f"{full_code}.{letter}", "status": "active"}
                | {"flat_name": f"{name}.{type_name}", "description": name}
                | {"cost_code_id": code_id, "line_item_type_id": build.line_item_types[letter]}
                | {
                    "segment_items": [
                        build.segment_items["cost_code", full_code],
                        build.segment_items["line_item_type", letter],
                    ]
                },
                project_id=project,
            )


@dataclass(frozen=True)
class Contract:
    """A commitment being built: its project (id and number), its own number and vendor."""

    project: int
    project_number: str
    number: int
    vendor: tuple[int, str]

    @property
    def total(self) -> int:
        return 50_000 * self.number


def _commitment(build: Builder, contract: Contract, codes: list[tuple[int, str, str]]) -> None:
    vendor_id, vendor_name = contract.vendor
    kind = "work_order_contracts" if contract.number < 3 else "purchase_order_contracts"
    prefix = "SC" if kind == "work_order_contracts" else "PO"
    total = contract.total
    where = {"project_id": contract.project}
    commitment = build.add(
        kind,
        {
            "number": f"{prefix}-{contract.number:03d}",
            "title": f"{vendor_name} {prefix}",
            "status": "Approved",
        }
        | {"executed": True, "vendor_id": vendor_id, "grand_total": f"{total}.00"}
        | {"accounting_method": "amount", "retainage_percent": "10.0", "private": False},
        **where,
    )
    for n, (code_id, _, _) in enumerate(build.rng.sample(codes, 3), start=1):
        build.add(
            "commitment_line_items",
            {"description": f"SOV line {n}", "amount": f"{total / 3:.2f}", "cost_code_id": code_id}
            | {"quantity": 1, "unit_cost": round(total / 3, 2), "uom": "LS", "position": n},
            parent_id=commitment,
            **where,
        )
    if kind == "work_order_contracts":
        for n, status in enumerate(("approved", "approved_as_noted"), start=1):
            _requisition(build, contract, commitment, n, status)


def _requisition(build: Builder, contract: Contract, commitment: int, n: int, status: str) -> None:
    """An approved (or approved-as-noted) subcontractor invoice with its PDF (§8.3)."""
    start = date(2026, 1, 1) + timedelta(days=30 * (n - 1))
    invoice_number = f"INV-{contract.project_number}-{contract.number}-{n}"
    vendor, total, project = contract.vendor, contract.total, contract.project
    claimed = total * 0.2
    requisition_id, attachment_id = build.next_id(), build.next_id()
    filename = f"{invoice_number}.pdf"
    build.attachments.append(
        SandboxAttachment(
            id=attachment_id,
            record_id=requisition_id,
            filename=filename,
            content_type="application/pdf",
            content=invoice_pdf(invoice_number),
        )
    )
    build.put(
        requisition_id,
        "requisitions",
        {"number": n, "invoice_number": invoice_number, "status": status}
        | {"commitment_id": commitment, "commitment_type": "WorkOrderContract"}
        | {"vendor_id": vendor[0], "vendor_name": vendor[1], "contract_name": vendor[1]}
        | {"billing_date": start.isoformat(), "requisition_start": start.isoformat()}
        | {"requisition_end": (start + timedelta(days=29)).isoformat(), "final": False}
        | {"percent_complete": 20.0 * n, "total_claimed_amount": f"{claimed:.2f}"}
        | {
            "summary": {
                "current_payment_due": f"{claimed * 0.9:.2f}",
                "total_retainage": f"{claimed * 0.1:.2f}",
                "contract_sum_to_date": f"{total}.00",
            },
            "attachments": [
                {
                    "id": attachment_id,
                    "url": f"/procore-sandbox/attachments/{attachment_id}/{filename}",
                    "filename": filename,
                    "content_type": "application/pdf",
                }
            ],
        },
        project_id=project,
    )


def invoice_pdf(invoice_number: str) -> bytes:
    """A small valid one-page PDF titled with the invoice number."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Title": f"Subcontractor invoice {invoice_number}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
