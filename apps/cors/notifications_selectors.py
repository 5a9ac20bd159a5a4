"""Reads on change notifications, and the one read that crosses accounts: the response COR."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.accounts.models import Account

from .models import (
    ChangeNotification,
    ChangeOrderRequest,
    CorAttachment,
    CorLineItem,
    CorStatus,
    TradingPartner,
)
from .models import NotificationStatus as Status

BOXES = {"sent": "customer", "received": "contractor"}
# The customer sees the response once the contractor has sent it, never a draft in progress.
SHARED_NOTIFICATION_STATUSES = (Status.ANSWERED, Status.ACCEPTED, Status.REJECTED)
SHARED_COR_STATUSES = (CorStatus.SENT, CorStatus.APPROVED, CorStatus.REJECTED)


def notifications_for(
    *, account: Account, box: str = "", status: str = "", q: str = ""
) -> QuerySet[ChangeNotification]:
    """Notifications `account` sent ("sent"), received ("received"), or both (any other box)."""
    notifications = ChangeNotification.objects.for_account(account).select_related(
        "customer", "contractor", "customer_project", "response_cor"
    )
    if box in BOXES:
        notifications = notifications.filter(**{BOXES[box]: account})
    if status:
        notifications = notifications.filter(status=status)
    if q:
        match = Q(title__icontains=q) | Q(description__icontains=q)
        if q.isdigit():
            match |= Q(number=int(q))
        notifications = notifications.filter(match)
    return notifications


def partner_contractors(account: Account) -> QuerySet[Account]:
    """The contractors `account` may send change notifications to."""
    return Account.objects.filter(customer_partners__customer=account).order_by("name")


def partners_of(account: Account) -> tuple[QuerySet[TradingPartner], QuerySet[TradingPartner]]:
    """(the contractors `account` added, the customers that added `account`)."""
    contractors = TradingPartner.objects.for_account(account).select_related("contractor")
    customers = TradingPartner.objects.filter(contractor=account).select_related("customer")
    return contractors.order_by("contractor__name"), customers.order_by("customer__name")


@dataclass(frozen=True)
class SharedResponse:
    notification: ChangeNotification
    cor: ChangeOrderRequest
    lines: list[CorLineItem]
    attachments: list[CorAttachment]


def response_visible(notification: ChangeNotification, account: Account) -> bool:
    """Whether `account` may read the COR answering `notification` (its contractor always may)."""
    cor = notification.response_cor
    if cor is None:
        return False
    if notification.contractor_id == account.pk:
        return True
    return (
        notification.customer_id == account.pk
        and notification.status in SHARED_NOTIFICATION_STATUSES
        and cor.status in SHARED_COR_STATUSES
    )


def shared_response_cor(*, account: Account, notification_id: int) -> SharedResponse | None:
    """The response COR with its lines and attachments, or None if `account` may not read it."""
    notification = (
        ChangeNotification.objects.for_account(account)
        .select_related("customer", "contractor", "customer_project", "response_cor__project")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not response_visible(notification, account):
        return None
    cor = notification.response_cor
    return SharedResponse(
        notification=notification,
        cor=cor,
        lines=list(cor.lines.all()),
        attachments=list(cor.attachments.all()),
    )
