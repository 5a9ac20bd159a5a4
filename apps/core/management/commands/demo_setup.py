"""Creates (once) the demo accounts that `make run` prints logins for."""

from django.core.management.base import BaseCommand

from apps.core import demo


class Command(BaseCommand):
    help = "Create the demo contractor and customer accounts if they do not exist; print logins."

    def handle(self, *args, **options) -> None:
        demo.demo_setup()
        self.stdout.write(f"Demo login: {demo.CONTRACTOR_EMAIL} / {demo.PASSWORD}")
        self.stdout.write(f"Demo customer: {demo.CUSTOMER_EMAIL} / {demo.PASSWORD}")
