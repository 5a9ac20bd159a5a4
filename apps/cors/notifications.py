"""Change notifications: a customer account asks a partner contractor for a COR, then decides on it.

The notification is the one record two accounts share. The contractor's COR stays the
contractor's; the customer reads it through `notifications_selectors.shared_response_cor` and
writes to it once, when accepting or rejecting (`notification_decide`).
"""

from datetime import date

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import Account, User
from apps.projects.models import Project

from . import services
from .models import ChangeNotification, ChangeOrderRequest, CorStatus, TradingPartner
from .models import NotificationStatus as Status

PARTNER_SIGNER = signing.Signer(salt="trestle.partner")
BAD_CODE = "That partner code is not valid: ask the contractor to copy it again."
NOT_A_PARTNER = "Change notifications go only to your trading partners: add the contractor first."
# How a refusal names where the notification stands.
STATE = {
    Status.OPEN: "awaiting a response",
    Status.ANSWERED: "already answered",
    Status.ACCEPTED: "accepted",
    Status.REJECTED: "rejected",
    Status.WITHDRAWN: "withdrawn",
}
# The COR status a decision gives, and the notification status that allows it.
DECISIONS = {CorStatus.APPROVED: Status.ACCEPTED, CorStatus.REJECTED: Status.REJECTED}


def partner_code(account: Account) -> str:
    """The code a contractor shows its customers; signed, so it cannot be guessed from an id."""
    return PARTNER_SIGNER.sign(str(account.pk))


def _contractor_from_code(code: str) -> Account:
    try:
        contractor_id = int(PARTNER_SIGNER.unsign(code.strip()))
    except (signing.BadSignature, ValueError) as exc:
        raise ValidationError(BAD_CODE) from exc
    contractor = Account.objects.filter(pk=contractor_id).first()
    if contractor is None:
        raise ValidationError(BAD_CODE)
    return contractor


@transaction.atomic
def partner_add(*, customer: Account, code: str, user: User) -> TradingPartner:
    """Make the contractor whose partner code this is a trading partner of `customer`."""
    contractor = _contractor_from_code(code)
    if contractor.pk == customer.pk:
        raise ValidationError("That is your own partner code: enter the contractor's code.")
    if TradingPartner.objects.filter(customer=customer, contractor=contractor).exists():
        raise ValidationError(f"{contractor} is already one of your trading partners.")
    partner = TradingPartner.objects.create(
        customer=customer, contractor=contractor, created_by=user
    )
    for account in (customer, contractor):  # the contractor learns who can now write to it
        audit_record(account=account, actor=user, action="partner.added", target=partner)
    return partner


@transaction.atomic
def notification_send(
    *,
    customer_project: Project,
    contractor: Account,
    title: str,
    description: str = "",
    respond_by: date | None = None,
    user: User,
) -> ChangeNotification:
    """Send a change notification on the customer's project, numbered within that project."""
    customer = customer_project.office.account
    if not TradingPartner.objects.filter(customer=customer, contractor=contractor).exists():
        raise ValidationError(NOT_A_PARTNER)
    if not customer_project.active:
        raise ValidationError("Change notifications can be sent only on an active project.")
    if not title.strip():
        raise ValidationError("Give the change notification a title.")
    if respond_by is not None and respond_by < timezone.localdate():
        raise ValidationError("The respond-by date cannot be in the past.")
    Project.objects.select_for_update().get(pk=customer_project.pk)  # numbers stay sequential
    last = ChangeNotification.objects.filter(customer_project=customer_project).aggregate(
        n=Max("number")
    )["n"]
    notification = ChangeNotification.objects.create(
        customer=customer,
        customer_project=customer_project,
        contractor=contractor,
        number=(last or 0) + 1,
        title=title.strip(),
        description=description,
        respond_by=respond_by,
        sent_by=user,
    )
    audit_record(account=customer, actor=user, action="notification.sent", target=notification)
    return notification


def notification_answerable(notification: ChangeNotification) -> bool:
    """Open, and not answered yet (a voided answer may be replaced)."""
    answered = notification.response_cor
    return notification.status == Status.OPEN and (
        answered is None or answered.status == CorStatus.VOID
    )


def _locked(notification: ChangeNotification) -> ChangeNotification:
    """The notification re-read under a row lock, so two clicks cannot both move it."""
    return ChangeNotification.objects.select_for_update().get(pk=notification.pk)


@transaction.atomic
def notification_answer(
    *, notification: ChangeNotification, contractor_project: Project, user: User
) -> ChangeOrderRequest:
    """Start the contractor's COR answering `notification` (a draft, without lines).

    The notification stays open until that COR is sent (see `notification_follow_cor`).
    """
    notification = _locked(notification)
    if contractor_project.office.account_id != notification.contractor_id:
        raise ValidationError(
            f"Only {notification.contractor}, who received this change notification, "
            "can answer it, from one of its own projects."
        )
    if notification.status != Status.OPEN:
        raise ValidationError(
            f"This change notification is {STATE[notification.status]}: "
            "only one awaiting a response can be answered."
        )
    if not notification_answerable(notification):
        raise ValidationError(
            f"This change notification is already answered by {notification.response_cor}."
        )
    if not contractor_project.active:
        raise ValidationError("Answer from an active project.")
    cor = services.cor_create(
        project=contractor_project,
        user=user,
        lines=[],
        title=notification.title,
        description=notification.description,
        reason=f"Change notification {notification.number} from {notification.customer}"[:200],
    )
    notification.response_cor = cor
    notification.save(update_fields=["response_cor"])
    audit_record(
        account=notification.contractor,
        actor=user,
        action="notification.answered",
        target=notification,
        detail={"cor": cor.pk},
    )
    return cor


def notification_follow_cor(*, cor: ChangeOrderRequest, status: str, user: User) -> None:
    """Keep a notification in step with the COR answering it; called by `cor_set_status`.

    Sending the COR makes the notification answered; pulling it back (draft, void) reopens it.
    Approving or rejecting it is the customer's decision, so the contractor cannot do it here.
    """
    notification = ChangeNotification.objects.select_for_update().filter(response_cor=cor).first()
    if notification is None:
        return
    if status in DECISIONS and notification.status != DECISIONS[status]:
        raise ValidationError(
            f"This COR answers a change notification of {notification.customer}: "
            "only they can accept or reject it."
        )
    if status == CorStatus.SENT and notification.status == Status.OPEN:
        _follow(notification, Status.ANSWERED, user)
    elif status in (CorStatus.DRAFT, CorStatus.VOID) and notification.status == Status.ANSWERED:
        _follow(notification, Status.OPEN, user)


def _follow(notification: ChangeNotification, status: str, user: User) -> None:
    previous, notification.status = notification.status, status
    notification.save(update_fields=["status"])
    for account in (notification.customer, notification.contractor):
        audit_record(
            account=account,
            actor=user,
            action="notification.status_changed",
            target=notification,
            detail={"from": previous, "to": status},
        )


def _require_customer(notification: ChangeNotification, account: Account, verb: str) -> None:
    if notification.customer_id != account.pk:
        raise ValidationError(
            f"Only {notification.customer}, who sent this change notification, can {verb} it."
        )


@transaction.atomic
def notification_decide(
    *, notification: ChangeNotification, account: Account, accept: bool, user: User
) -> ChangeNotification:
    """The customer accepts or rejects the contractor's sent COR: the one cross-account write."""
    notification = _locked(notification)
    _require_customer(notification, account, "accept or reject")
    if notification.status != Status.ANSWERED:
        raise ValidationError(
            f"This change notification is {STATE[notification.status]}: "
            "only a received response can be accepted or rejected."
        )
    cor_status = CorStatus.APPROVED if accept else CorStatus.REJECTED
    notification.status = DECISIONS[cor_status]
    notification.decided_by, notification.decided_at = user, timezone.now()
    notification.save(update_fields=["status", "decided_by", "decided_at"])
    services.cor_set_status(cor=notification.response_cor, status=cor_status, user=user)
    for side in (notification.customer, notification.contractor):
        audit_record(
            account=side,
            actor=user,
            action=f"notification.{notification.status}",
            target=notification,
        )
    return notification


@transaction.atomic
def notification_withdraw(
    *, notification: ChangeNotification, account: Account, user: User
) -> ChangeNotification:
    notification = _locked(notification)
    _require_customer(notification, account, "withdraw")
    if notification.status != Status.OPEN:
        raise ValidationError(
            f"This change notification is {STATE[notification.status]}: "
            "only one awaiting a response can be withdrawn."
        )
    notification.status = Status.WITHDRAWN
    notification.save(update_fields=["status"])
    for side in (notification.customer, notification.contractor):
        audit_record(account=side, actor=user, action="notification.withdrawn", target=notification)
    return notification
