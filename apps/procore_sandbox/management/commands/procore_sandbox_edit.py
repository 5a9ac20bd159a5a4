"""`manage.py procore_sandbox_edit <kind> <id> ...`: change a sandbox record as a person would in
Procore's UI, to watch the change reach Trestle (demo, tests).

    procore_sandbox_edit employee 123 --first-name Ana
    procore_sandbox_edit project 12 --name "New name" --number 0012 --no-active
    procore_sandbox_edit vendor 34 --name "Steel Co"
    procore_sandbox_edit change-event 456 --status Closed
    procore_sandbox_edit invoice 789 --status approved
"""

from argparse import BooleanOptionalAction
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.procore_sandbox import edits, webhook_sender
from apps.procore_sandbox.models import SandboxCompany

# kind -> its options: (flag, the edit function's argument, extra add_argument options)
OPTIONS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "employee": [
        ("--first-name", "first_name", {}),
        ("--last-name", "last_name", {}),
        ("--email", "email_address", {}),
        ("--employee-id", "employee_id", {}),
        ("--active", "is_active", {"action": BooleanOptionalAction}),
    ],
    "project": [
        ("--name", "name", {}),
        ("--number", "project_number", {}),
        ("--active", "active", {"action": BooleanOptionalAction}),
    ],
    "vendor": [
        ("--name", "name", {}),
        ("--abbreviated-name", "abbreviated_name", {}),
        ("--active", "is_active", {"action": BooleanOptionalAction}),
    ],
    "change-event": [("--status", "status", {"help": "a company status name, e.g. Closed"})],
    "invoice": [("--status", "status", {"help": ", ".join(edits.INVOICE_STATUSES)})],
}


class Command(BaseCommand):
    help = "Edit a sandbox employee, project, vendor, change event or invoice as in Procore's UI."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="kind")
        for kind, options in OPTIONS.items():
            sub = kinds.add_parser(kind, help=f"edit one {edits.KINDS[kind].label.lower()}")
            sub.add_argument("id", type=int, help="the record's Procore id")
            sub.add_argument(
                "--company", type=int, help="sandbox company id (default: the record's)"
            )
            for flag, dest, extra in options:
                sub.add_argument(flag, dest=dest, **extra)

    def handle(self, *args: Any, **options: Any) -> None:
        kind, record_id = options["kind"], options["id"]
        given = {d: options[d] for _, d, _ in OPTIONS[kind] if options.get(d) is not None}
        if not given:
            flags = ", ".join(flag for flag, _, _ in OPTIONS[kind])
            raise CommandError(f"Nothing to change: give {flags}.")
        try:
            company = self._company(options["company"], record_id)
            done = edits.record_edit(
                kind=edits.KINDS[kind], company=company, record_id=record_id, **given
            )
        except edits.EditError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(done.summary())
        if done.changes:
            self.stdout.write(edits.delivery_note(edits.KINDS[kind]))
        # Deliveries leave now: a sender thread of this process would die with it.
        if posts := webhook_sender.deliver_due():
            self.stdout.write(f"Posted {posts} webhook delivery(ies).")

    def _company(self, company_id: int | None, record_id: int) -> SandboxCompany:
        if company_id is None:
            return edits.company_of(record_id)
        company = SandboxCompany.objects.filter(id=company_id).first()
        if company is None:
            raise edits.NotFound(f"No sandbox company {company_id}.")
        return company
