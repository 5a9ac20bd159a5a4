"""Creates (once) the demo account that `make run` prints a login for."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Membership, Role, User
from apps.accounts.services import account_create
from apps.cors.models import TradingPartner
from apps.offices.models import Office
from apps.offices.services import office_create
from apps.projects.models import Project

DEMO_EMAIL = "demo@trestle.local"
DEMO_PASSWORD = "trestle-demo"  # noqa: S105 - a published demo login for a local install
DEMO_ACCOUNT = "Demo Construction Co."
CUSTOMER_EMAIL = "customer@trestle.local"
CUSTOMER_ACCOUNT = "Riverside Development"


class Command(BaseCommand):
    help = "Create the demo account, owner and office if they do not exist; print the login."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, full_name="Dana Demo")
        membership = Membership.objects.filter(user=user, role=Role.OWNER).first()
        account = (
            membership.account if membership else account_create(name=DEMO_ACCOUNT, owner=user)
        )
        if not Office.objects.for_account(account).exists():
            office_create(
                account=account,
                actor=user,
                name="Main Office",
                address="200 Main Street",
                city="Springfield",
                state="IL",
                zip_code="62701",
                time_zone="America/Chicago",
            )
        _customer(contractor=account)
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"Demo customer: {CUSTOMER_EMAIL} / {DEMO_PASSWORD}")


def _customer(*, contractor) -> None:
    """A customer account that may send change notifications to the demo contractor."""
    user = User.objects.filter(email=CUSTOMER_EMAIL).first()
    if user is not None:
        return
    user = User.objects.create_user(CUSTOMER_EMAIL, DEMO_PASSWORD, full_name="Casey Customer")
    account = account_create(name=CUSTOMER_ACCOUNT, owner=user)
    office = office_create(
        account=account,
        actor=user,
        name="Riverside HQ",
        address="1 River Road",
        city="Springfield",
        state="IL",
        zip_code="62702",
        time_zone="America/Chicago",
    )
    Project.objects.create(
        office=office, number="RD-1", name="Riverside Lofts", city="Springfield", state="IL"
    )
    TradingPartner.objects.create(customer=account, contractor=contractor, created_by=user)
