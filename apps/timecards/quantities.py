"""Writes on production quantities: work put in place per project, cost code and day.

Each write is audited and sends `production_quantities_changed` after commit with the project and
the dates touched, so a daily-log publisher can republish those days.
"""

from datetime import date as Date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.projects.models import CostCode, Project

from .models import ProductionQuantity
from .services import check_date
from .signals import production_quantities_changed

EDITABLE_FIELDS = frozenset({"cost_code", "date", "quantity", "unit", "description"})
MAX_QUANTITY = Decimal("1000000000")  # 12 digits, 3 of them decimals
MILLI = Decimal("0.001")


def _clean_quantity(quantity) -> Decimal:
    try:
        value = Decimal(str(quantity).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"quantity": f"{quantity!r} is not a number."}) from exc
    if not value.is_finite() or value != value.quantize(MILLI):
        raise ValidationError({"quantity": "A quantity takes at most three decimals."})
    if not Decimal("0") <= value < MAX_QUANTITY:
        raise ValidationError({"quantity": "A quantity is 0 or more, below a billion."})
    return value.quantize(MILLI)


def _validate(record: ProductionQuantity) -> None:
    record.quantity = _clean_quantity(record.quantity)
    record.unit = (record.unit or "").strip()
    if not record.unit:
        raise ValidationError({"unit": "Give the unit of measure (e.g. LF, CY, EA)."})
    if len(record.unit) > 20:
        raise ValidationError({"unit": "Keep the unit to 20 characters."})
    if record.cost_code is None or record.cost_code.office_id != record.project.office_id:
        raise ValidationError({"cost_code": "Choose a cost code of the project's office."})
    check_date(record.project, record.date)


def _notify(record: ProductionQuantity, dates: set[Date], action: str) -> None:
    account, project_id = record.project.office.account, record.project_id
    days = sorted(dates)
    transaction.on_commit(
        lambda: production_quantities_changed.send(
            sender=ProductionQuantity,
            account=account,
            project_id=project_id,
            dates=days,
            action=action,
        )
    )


@transaction.atomic
def quantity_create(
    *,
    project: Project,
    cost_code: CostCode,
    date: Date,
    quantity: Decimal,
    unit: str,
    user: User,
    description: str = "",
) -> ProductionQuantity:
    record = ProductionQuantity(
        project=project,
        cost_code=cost_code,
        date=date,
        quantity=quantity,
        unit=unit,
        description=description,
        created_by=user,
    )
    _validate(record)
    record.save()
    account = project.office.account
    audit_record(account=account, actor=user, action="quantity.created", target=record)
    _notify(record, {record.date}, "updated")
    return record


@transaction.atomic
def quantity_update(*, record: ProductionQuantity, user: User, **changes) -> ProductionQuantity:
    """Change the fields in `changes` (names of EDITABLE_FIELDS); the project never changes."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    days = {record.date}
    for name, value in changes.items():
        setattr(record, name, value)
    _validate(record)
    record.save()
    account = record.project.office.account
    audit_record(
        account=account,
        actor=user,
        action="quantity.updated",
        target=record,
        detail={"fields": sorted(changes)},
    )
    _notify(record, days | {record.date}, "updated")
    return record


@transaction.atomic
def quantity_delete(*, record: ProductionQuantity, user: User) -> None:
    account = record.project.office.account
    audit_record(
        account=account,
        actor=user,
        action="quantity.deleted",
        target=record,
        detail={"project": record.project_id, "date": record.date.isoformat()},
    )
    _notify(record, {record.date}, "deleted")
    record.delete()
