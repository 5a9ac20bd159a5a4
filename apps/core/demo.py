"""The demo accounts `make run` offers (`manage.py demo_setup`): each piece is made once and
found again on every later run, so an older demo database gains what is new.

The customer, Riverside Development, has sent the contractor a change notification on its
project Riverside Lofts, and the contractor has answered it with a sent COR: logged in as the
customer, a person can push that COR into Riverside's own Procore project once they have
connected the office and mapped the project (the sandbox seeds that company and project).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from apps.accounts.models import Account, Membership, Role, User
from apps.accounts.services import account_create
from apps.cors.models import ChangeNotification, CorStatus, TradingPartner
from apps.cors.notifications import notification_answer, notification_send
from apps.cors.services import Line, cor_set_status, cor_update
from apps.offices.models import Office
from apps.offices.services import office_create
from apps.projects.models import Project

PASSWORD = "trestle-demo"  # noqa: S105 - a published demo login for a local install
CONTRACTOR_EMAIL = "demo@trestle.local"
CONTRACTOR_ACCOUNT = "Demo Construction Co."
CUSTOMER_EMAIL = "customer@trestle.local"
CUSTOMER_ACCOUNT = "Riverside Development"
NOTIFICATION_TITLE = "Add two outlets in the lobby"
# The answer's lines: description, cost type, quantity, unit, unit cost; 10% markup. No cost
# codes: the customer picks a budget code of their own Procore project when pushing.
ANSWER_LINES = [("Electrician", "labor", "6", "HR", "95"), ("Outlets", "material", "2", "EA", "30")]


@dataclass(frozen=True)
class Party:
    """A demo account, its owner and the office it works from."""

    account: Account
    owner: User
    office: Office


@transaction.atomic
def demo_setup() -> None:
    contractor = _party(
        CONTRACTOR_EMAIL,
        "Dana Demo",
        CONTRACTOR_ACCOUNT,
        office={"name": "Main Office", "address": "200 Main Street", "zip_code": "62701"},
    )
    customer = _party(
        CUSTOMER_EMAIL,
        "Casey Customer",
        CUSTOMER_ACCOUNT,
        office={"name": "Riverside HQ", "address": "1 River Road", "zip_code": "62702"},
    )
    TradingPartner.objects.get_or_create(
        customer=customer.account,
        contractor=contractor.account,
        defaults={"created_by": customer.owner},
    )
    lofts, _ = Project.objects.get_or_create(
        office=customer.office,
        number="RD-1",
        defaults={"name": "Riverside Lofts", "city": "Springfield", "state": "IL"},
    )
    _answered_notification(lofts, contractor=contractor, customer=customer)


def _party(email: str, full_name: str, account_name: str, *, office: dict) -> Party:
    """The owner (created with the demo password), their account and its first office."""
    owner = User.objects.filter(email=email).first()
    if owner is None:
        owner = User.objects.create_user(email, PASSWORD, full_name=full_name)
    membership = Membership.objects.filter(user=owner, role=Role.OWNER).first()
    account = membership.account if membership else account_create(name=account_name, owner=owner)
    first = Office.objects.for_account(account).order_by("pk").first()
    if first is None:
        place = {"city": "Springfield", "state": "IL", "time_zone": "America/Chicago"}
        first = office_create(account=account, actor=owner, **office, **place)
    return Party(account, owner, first)


def _answered_notification(lofts: Project, *, contractor: Party, customer: Party) -> None:
    """The customer's notification on Riverside Lofts and the contractor's sent COR answering
    it, priced, from a project of the contractor's own."""
    if ChangeNotification.objects.filter(customer_project=lofts, title=NOTIFICATION_TITLE).exists():
        return
    notification = notification_send(
        customer_project=lofts,
        contractor=contractor.account,
        title=NOTIFICATION_TITLE,
        description="Two more duplex outlets on the lobby's east wall, by the mailboxes.",
        user=customer.owner,
    )
    fit_out, _ = Project.objects.get_or_create(
        office=contractor.office,
        number="DC-101",
        defaults={"name": "Riverside Lofts fit-out", "city": "Springfield", "state": "IL"},
    )
    cor = notification_answer(
        notification=notification, contractor_project=fit_out, user=contractor.owner
    )
    lines = [
        Line(text, kind, Decimal(qty), Decimal(cost), markup_percent=Decimal("10"), unit=unit)
        for text, kind, qty, unit, cost in ANSWER_LINES
    ]
    cor_update(cor=cor, user=contractor.owner, lines=lines, title=cor.title)
    cor_set_status(cor=cor, status=CorStatus.SENT, user=contractor.owner)
