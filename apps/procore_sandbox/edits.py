"""Changes a person makes in Procore's own UI, so a demo or a test can "change it in Procore".

Each edit writes through `store.record_update`, as the API does: `updated_at` moves (so an
incremental sync sees the record) and a webhook goes out where Procore publishes one for the
resource. An edit that changes nothing writes nothing.

    edits.employee_update(company=company, user_id=123, first_name="Ana")
    edits.invoice_status_set(company=company, requisition_id=789, status="approved")
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet

from . import change_events, store
from .models import SandboxCompany, SandboxRecord

# procore-api.md §8.3 and the OAS enum of `status` on /rest/v1.x/requisitions
INVOICE_STATUSES = (
    "draft",
    "under_review",
    "revise_and_resubmit",
    "approved",
    "approved_as_noted",
    "pending_owner_approval",
)
# Fields a company user shares with its person in the directory (procore-api.md §5).
PERSON_FIELDS = ("first_name", "last_name", "employee_id")


class EditError(Exception):
    """An edit Procore's UI would refuse; the message is for the person who made it."""


class NotFound(EditError):
    """No record of that kind and id in the company."""


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    resource: str  # stored SandboxRecord.resource
    webhook: str | None  # Procore's webhook resource name (§10.2); None when it publishes none


EMPLOYEE = Kind("employee", "Employee", "users", "Company Users")
PROJECT = Kind("project", "Project", "projects", "Projects")
VENDOR = Kind("vendor", "Vendor", "vendors", "Company Vendors")
CHANGE_EVENT = Kind("change-event", "Change event", "change_events", "Change Events")
INVOICE = Kind("invoice", "Subcontractor invoice", "requisitions", None)
KINDS = {kind.slug: kind for kind in (EMPLOYEE, PROJECT, VENDOR, CHANGE_EVENT, INVOICE)}


@dataclass(frozen=True)
class Edit:
    kind: Kind
    record: SandboxRecord
    changes: dict[str, tuple[Any, Any]]  # Procore field -> (before, after), changed ones only

    def summary(self) -> str:
        what = f"{self.kind.label} {self.record.id}"
        if not self.changes:
            return f"{what}: nothing changed."
        changed = "; ".join(f"{k} {b!r} → {a!r}" for k, (b, a) in self.changes.items())
        return f"{what}: {changed}."


def delivery_note(kind: Kind) -> str:
    """How a change of this kind reaches Trestle."""
    if kind.webhook:
        return (
            f'Procore sends a "{kind.webhook}" webhook: Trestle syncs the change within seconds '
            "(without registered webhooks, at its next scheduled run or Sync Activity > Run now)."
        )
    return (
        "Procore publishes no webhook for subcontractor invoices: Trestle sees the change at its "
        "next scheduled AP import (every 30 minutes by default) or in AP Invoices > Procore Import."
    )


def kind_records(company: SandboxCompany, kind: Kind) -> QuerySet[SandboxRecord]:
    """The company's live records of a kind."""
    found = SandboxRecord.objects.filter(company=company, resource=kind.resource, deleted_at=None)
    if kind is EMPLOYEE:  # employees are the company users flagged is_employee (§5)
        found = found.filter(data__is_employee=True)
    return found.select_related("company")


def record_get(*, company: SandboxCompany, kind: Kind, record_id: int) -> SandboxRecord:
    record = kind_records(company, kind).filter(id=record_id).first()
    if record is None:
        raise NotFound(f"No {kind.label.lower()} {record_id} in {company.name}.")
    return record


def company_of(record_id: int) -> SandboxCompany:
    """The company a record belongs to (sandbox ids are unique across companies)."""
    record = SandboxRecord.objects.filter(id=record_id).select_related("company").first()
    if record is None:
        raise NotFound(f"No Procore record {record_id}.")
    return record.company


def employee_update(
    *,
    company: SandboxCompany,
    user_id: int,
    first_name: str | None = None,
    last_name: str | None = None,
    email_address: str | None = None,
    employee_id: str | None = None,
    is_active: bool | None = None,
) -> Edit:
    """Edit a company user flagged as an employee; its person takes the same names and id."""
    changes = _given(
        first_name=_text(first_name),
        last_name=_required(last_name, "Last name"),
        email_address=_email(email_address),
        employee_id=_text(employee_id),
        is_active=is_active,
    )
    with transaction.atomic():
        record = record_get(company=company, kind=EMPLOYEE, record_id=user_id)
        edit = _apply(EMPLOYEE, record, changes)
        _person_follow(edit)
    return edit


def project_update(
    *,
    company: SandboxCompany,
    project_id: int,
    name: str | None = None,
    project_number: str | None = None,
    active: bool | None = None,
) -> Edit:
    """Edit a project; `display_name` follows as Procore builds it ("number - name")."""
    record = record_get(company=company, kind=PROJECT, record_id=project_id)
    changes = _given(
        name=_required(name, "Name"), project_number=_text(project_number), active=active
    )
    if "name" in changes or "project_number" in changes:
        merged = {**record.data, **changes}
        number, title = merged.get("project_number"), merged.get("name") or ""
        changes["display_name"] = f"{number} - {title}" if number else title
    return _apply(PROJECT, record, changes)


def vendor_update(
    *,
    company: SandboxCompany,
    vendor_id: int,
    name: str | None = None,
    abbreviated_name: str | None = None,
    is_active: bool | None = None,
) -> Edit:
    record = record_get(company=company, kind=VENDOR, record_id=vendor_id)
    changes = _given(
        name=_required(name, "Name"),
        abbreviated_name=_text(abbreviated_name),
        is_active=is_active,
    )
    return _apply(VENDOR, record, changes)


def change_event_statuses(company: SandboxCompany) -> list[str]:
    """The company's Change Event status names (Open, Pending, Closed in the seed)."""
    found = SandboxRecord.objects.filter(
        company=company, resource="change_event_statuses", deleted_at=None
    ).order_by("id")
    return [str(name) for name in found.values_list("data__name", flat=True)]


def change_event_status_name(record: SandboxRecord) -> str | None:
    status_id = str(record.data.get("change_event_status_id"))
    if not status_id.isdigit():
        return None
    status = SandboxRecord.objects.filter(
        company=record.company, resource="change_event_statuses", id=int(status_id)
    ).first()
    return None if status is None else status.data.get("name")


def change_event_status_set(*, company: SandboxCompany, change_event_id: int, status: str) -> Edit:
    """Move a Change Event to the company status named `status` (any case)."""
    record = record_get(company=company, kind=CHANGE_EVENT, record_id=change_event_id)
    names = change_event_statuses(company)
    wanted = next((name for name in names if name.lower() == status.strip().lower()), None)
    if wanted is None:
        raise EditError(f"No change event status {status!r}; the company has {', '.join(names)}.")
    before = change_event_status_name(record)
    if before == wanted:
        return Edit(CHANGE_EVENT, record, {})
    record = change_events.status_set(company=company, change_event_id=record.id, status=wanted)
    return Edit(CHANGE_EVENT, record, {"status": (before, wanted)})


def invoice_status_set(*, company: SandboxCompany, requisition_id: int, status: str) -> Edit:
    """Set a subcontractor invoice's status; "Approved as noted" reads as approved_as_noted."""
    wanted = status.strip().lower().replace(" ", "_")
    if wanted not in INVOICE_STATUSES:
        raise EditError(
            f"No subcontractor invoice status {status!r}; Procore's are "
            f"{', '.join(INVOICE_STATUSES)}."
        )
    record = record_get(company=company, kind=INVOICE, record_id=requisition_id)
    return _apply(INVOICE, record, {"status": wanted})


# kind -> its edit function and the name that function gives the record's id
EDITORS: dict[Kind, tuple[Callable[..., Edit], str]] = {
    EMPLOYEE: (employee_update, "user_id"),
    PROJECT: (project_update, "project_id"),
    VENDOR: (vendor_update, "vendor_id"),
    CHANGE_EVENT: (change_event_status_set, "change_event_id"),
    INVOICE: (invoice_status_set, "requisition_id"),
}


def record_edit(*, kind: Kind, company: SandboxCompany, record_id: int, **fields: Any) -> Edit:
    """The kind's edit, for the page and the command, which choose the kind at run time."""
    function, id_name = EDITORS[kind]
    return function(company=company, **{id_name: record_id}, **fields)


def _apply(kind: Kind, record: SandboxRecord, changes: dict[str, Any]) -> Edit:
    before = {key: record.data.get(key) for key in changes}
    changed = {key: value for key, value in changes.items() if not _same(before[key], value)}
    if changed:
        store.record_update(record, changed)
    return Edit(kind, record, {key: (before[key], value) for key, value in changed.items()})


def _person_follow(edit: Edit) -> None:
    """In Procore a company user and its person are one directory entry."""
    shared = {key: after for key, (_, after) in edit.changes.items() if key in PERSON_FIELDS}
    if not shared:
        return
    people = SandboxRecord.objects.filter(
        company=edit.record.company, resource="people", data__user_id=edit.record.id
    )
    for person in people:
        store.record_update(person, shared)


def _given(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _same(before: Any, after: Any) -> bool:
    """A blank field and a missing one are the same to a person."""
    return before == after or (before in (None, "") and after in (None, ""))


def _text(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _required(value: str | None, label: str) -> str | None:
    if value is not None and not value.strip():
        raise EditError(f"{label} can't be blank.")
    return _text(value)


def _email(value: str | None) -> str | None:
    value = _required(value, "Email")
    if value is not None:
        try:
            validate_email(value)
        except ValidationError as error:
            raise EditError(f"{value!r} is not an email address.") from error
    return value
