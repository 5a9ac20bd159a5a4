"""Operators: register an office's Procore hook again (a new secret, its triggers), e.g. for a
hook made before deliveries carried a secret, whose deliveries are refused until then."""

from django.core.management.base import BaseCommand, CommandError

from apps.offices.models import Office

from ...client.errors import ProcoreError
from ...integration import connection_of
from ...webhooks import webhooks_register


class Command(BaseCommand):
    help = "Register the Procore webhook of an office again, with a new secret."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--office", type=int, required=True, help="Trestle office id")

    def handle(self, *args, office: int, **options) -> None:
        office_obj = Office.objects.filter(pk=office).first()
        connection = connection_of(office_obj) if office_obj else None
        if connection is None or connection.company_id is None:
            raise CommandError(f"Office {office} has no Procore company connected.")
        try:
            hook_id = webhooks_register(connection)
        except ProcoreError as exc:
            raise CommandError(f"Procore refused: {exc.message}") from exc
        self.stdout.write(f"Registered hook {hook_id} for {office_obj}.")
