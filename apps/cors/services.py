"""Writes on CORs: create with the next number, update with its lines, move through statuses."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.projects.models import CostCode, Project

from . import notifications
from .fingerprint import cor_fingerprint
from .models import ChangeNotification, ChangeOrderRequest, CorLineItem, CorStatus, CostType
from .totals import cor_totals, line_amount

COR_FIELDS = ("title", "description", "reason", "schedule_impact_days")
LINE_FIELDS = ["position", "description", "cost_type", "cost_code", "quantity", "unit"]
LINE_FIELDS += ["unit_cost", "markup_percent", "amount"]
EDITABLE_STATUSES = (CorStatus.DRAFT, CorStatus.SENT)
MAX_TOTAL = Decimal("1000000000000")  # the money columns hold 12 digits before the point
TRANSITIONS = {
    CorStatus.DRAFT: {CorStatus.SENT, CorStatus.VOID},
    CorStatus.SENT: {CorStatus.APPROVED, CorStatus.REJECTED, CorStatus.VOID, CorStatus.DRAFT},
    CorStatus.APPROVED: set(),
    CorStatus.REJECTED: {CorStatus.DRAFT},
    CorStatus.VOID: set(),
}


@dataclass(frozen=True)
class Line:
    description: str
    cost_type: str
    quantity: Decimal
    unit_cost: Decimal
    markup_percent: Decimal = Decimal("0")
    unit: str = ""
    cost_code: CostCode | None = None
    id: int | None = None  # an existing line of the COR, updated in place


def _check_lines(project: Project, lines: list[Line]) -> None:
    for n, line in enumerate(lines, start=1):
        if line.cost_type not in CostType.values:
            raise ValidationError(f"Line {n}: choose a cost type.")
        # A negative quantity or unit cost is a credit (deductive change); markup is a rate.
        if line.markup_percent < 0:
            raise ValidationError(f"Line {n}: markup cannot be negative.")
        if line.cost_code is not None and line.cost_code.office_id != project.office_id:
            raise ValidationError(f"Line {n}: that cost code belongs to another office.")
    prices = ((line.quantity, line.unit_cost, line.markup_percent) for line in lines)
    if abs(cor_totals(prices).total) >= MAX_TOTAL:
        raise ValidationError("The COR total is too large.")
    for n, line in enumerate(lines, start=1):  # credits may offset a line the columns cannot hold
        if abs(line_amount(line.quantity, line.unit_cost, line.markup_percent)) >= MAX_TOTAL:
            raise ValidationError(f"Line {n}: the amount is too large.")


def _save_lines(cor: ChangeOrderRequest, lines: list[Line]) -> None:
    """Save the COR's lines; a line given with the id of one of the COR's lines updates that row
    in place (a push refers to line ids), the others are new, and lines not given are deleted."""
    existing = set(cor.lines.values_list("pk", flat=True))
    rows = [
        CorLineItem(
            pk=line.id if line.id in existing else None,
            cor=cor,
            position=n,
            description=line.description,
            cost_type=line.cost_type,
            cost_code=line.cost_code,
            quantity=line.quantity,
            unit=line.unit,
            unit_cost=line.unit_cost,
            markup_percent=line.markup_percent,
            amount=line_amount(line.quantity, line.unit_cost, line.markup_percent),
        )
        for n, line in enumerate(lines)
    ]
    cor.lines.exclude(pk__in=[r.pk for r in rows if r.pk]).delete()
    CorLineItem.objects.bulk_update([r for r in rows if r.pk], LINE_FIELDS)
    CorLineItem.objects.bulk_create([r for r in rows if not r.pk])
    totals = cor_totals((line.quantity, line.unit_cost, line.markup_percent) for line in lines)
    cor.subtotal, cor.markup_total, cor.total = totals.subtotal, totals.markup_total, totals.total
    cor.fingerprint = cor_fingerprint(cor, rows)
    cor.save(update_fields=["subtotal", "markup_total", "total", "fingerprint", "updated_at"])


@transaction.atomic
def cor_create(*, project: Project, user: User, lines: list[Line], **fields) -> ChangeOrderRequest:
    _check_lines(project, lines)
    Project.objects.select_for_update().get(pk=project.pk)  # numbers stay sequential under load
    last = ChangeOrderRequest.objects.filter(project=project).aggregate(n=Max("number"))["n"]
    cor = ChangeOrderRequest.objects.create(
        project=project,
        number=(last or 0) + 1,
        created_by=user,
        **{k: fields[k] for k in COR_FIELDS if k in fields},
    )
    _save_lines(cor, lines)
    audit_record(account=project.office.account, actor=user, action="cor.created", target=cor)
    return cor


@transaction.atomic
def cor_update(*, cor: ChangeOrderRequest, user: User, lines: list[Line], **fields):
    if cor.status not in EDITABLE_STATUSES:
        raise ValidationError(f"A {cor.get_status_display().lower()} COR cannot be edited.")
    _check_lines(cor.project, lines)
    for name in COR_FIELDS:
        if name in fields:
            setattr(cor, name, fields[name])
    cor.save()
    _save_lines(cor, lines)
    audit_record(account=cor.project.office.account, actor=user, action="cor.updated", target=cor)
    return cor


@transaction.atomic
def cor_set_status(*, cor: ChangeOrderRequest, status: str, user: User) -> ChangeOrderRequest:
    if status not in TRANSITIONS.get(cor.status, set()):
        raise ValidationError(
            f"A {cor.get_status_display().lower()} COR cannot become {CorStatus(status).label}."
        )
    notifications.notification_follow_cor(cor=cor, status=status, user=user)
    previous, cor.status = cor.status, status
    today = timezone.localdate()
    if status == CorStatus.SENT:
        cor.sent_on = today
    if status in (CorStatus.APPROVED, CorStatus.REJECTED):
        cor.decided_on = today
    cor.save(update_fields=["status", "sent_on", "decided_on", "updated_at"])
    audit_record(account=cor.project.office.account, actor=user, action="cor.status_changed",
                 target=cor, detail={"from": previous, "to": status})  # fmt: skip
    return cor


@transaction.atomic
def cor_delete(*, cor: ChangeOrderRequest, user: User) -> None:
    """Only a draft goes: a sent COR, or one answering a customer's notice, is a shared record."""
    if cor.status != CorStatus.DRAFT:
        raise ValidationError(
            f"Only a draft COR can be deleted; this one is {cor.get_status_display().lower()}."
        )
    if ChangeNotification.objects.filter(response_cor=cor).exists():
        raise ValidationError("This COR answers a change notification and cannot be deleted.")
    detail = {"project": cor.project_id, "number": cor.number}
    audit_record(
        account=cor.project.office.account,
        actor=user,
        action="cor.deleted",
        target=cor,
        detail=detail,
    )
    cor.delete()
