"""`manage.py procore_sandbox_change_event_status --company N --change-event ID --status Closed`:
move a Change Event between the company's statuses as a Procore user would (demo, tests)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.procore_sandbox import change_events
from apps.procore_sandbox.models import SandboxCompany, SandboxRecord


class Command(BaseCommand):
    help = "Set a sandbox Change Event's status by name (Open, Pending, Closed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", type=int, required=True, help="sandbox company id")
        parser.add_argument("--change-event", type=int, required=True, help="change event id")
        parser.add_argument("--status", required=True, help="status name, e.g. Closed")

    def handle(self, *args: Any, **options: Any) -> None:
        company = SandboxCompany.objects.filter(id=options["company"]).first()
        if company is None:
            raise CommandError(f"no sandbox company {options['company']}")
        try:
            record = change_events.status_set(
                company=company, change_event_id=options["change_event"], status=options["status"]
            )
        except SandboxRecord.DoesNotExist as error:
            raise CommandError(f"no change event {options['change_event']} in company") from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Change event {record.id} is now {options['status']} ({record.data['status']})."
        )
