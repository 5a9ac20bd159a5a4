"""Creates (once) the demo account that `make run` prints a login for."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import Membership, Role, User
from apps.accounts.services import account_create
from apps.offices.models import Office
from apps.offices.services import office_create

DEMO_EMAIL = "demo@trestle.local"
DEMO_PASSWORD = "trestle-demo"  # noqa: S105 - a published demo login for a local install
DEMO_ACCOUNT = "Demo Construction Co."


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
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
