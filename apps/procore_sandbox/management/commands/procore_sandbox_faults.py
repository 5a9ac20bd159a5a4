"""`manage.py procore_sandbox_faults error_503=0.2 latency_ms=200`: faults for a demo run.

Values are JSON, so lists work too: `html_200=0.05 wrong_type=0.1 'wrong_type_fields=["name"]'`.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.procore_sandbox import faults


class Command(BaseCommand):
    help = (
        "Set the sandbox's faults (name=value ...), --reset them, or --expire-tokens; shows them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "faults",
            nargs="*",
            help=f"name=value, the value in JSON; names: {', '.join(faults.DEFAULTS)}",
        )
        parser.add_argument("--reset", action="store_true", help="no faults, default rate limits")
        parser.add_argument("--expire-tokens", action="store_true", help="end live access tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            faults.reset_faults()
        if options["faults"]:
            try:
                values = {name: json.loads(value) for name, value in _pairs(options["faults"])}
                faults.set_faults(**values)
            except (TypeError, ValueError) as error:
                raise CommandError(str(error)) from error
        if options["expire_tokens"]:
            self.stdout.write(f"Expired {faults.expire_access_tokens()} access token(s).")
        self.stdout.write(json.dumps(faults.current(), indent=2))


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    pairs = [item.partition("=") for item in items]
    if any(not sep for _, sep, _ in pairs):
        raise CommandError("faults are name=value pairs, e.g. error_503=0.2")
    return [(name, value) for name, _, value in pairs]
