"""`manage.py procore_sandbox_faults error_503=0.2 latency_ms=200`: faults for a demo run.

Lists are comma-separated (`methods=POST,PATCH wrong_type_fields=name`); JSON works too
(`'wrong_type_fields=["name"]'`).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.procore_sandbox import faults

EXAMPLE = "error_503=0.2 latency_ms=200 methods=POST,PATCH paths=/rest/v1.0/change_events"


class Command(BaseCommand):
    help = (
        "Set the sandbox's faults (name=value ...), --reset them, or --expire-tokens; shows them. "
        f"Example: {EXAMPLE}"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "faults",
            nargs="*",
            help=(
                "name=value: a share is 0 to 1 (error_503=0.2), a count a whole number "
                f"(burst_429=3), a list comma-separated ({', '.join(faults.LIST_KEYS)}: "
                f"methods=POST,PATCH). Names: {', '.join(faults.DEFAULTS)}"
            ),
        )
        parser.add_argument("--reset", action="store_true", help="no faults, default rate limits")
        parser.add_argument("--expire-tokens", action="store_true", help="end live access tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            faults.reset_faults()
        if options["faults"]:
            pairs = _pairs(options["faults"])
            faults.set_faults(**{name: _value(name, text) for name, text in pairs})
        if options["expire_tokens"]:
            self.stdout.write(f"Expired {faults.expire_access_tokens()} access token(s).")
        self.stdout.write(json.dumps(faults.current(), indent=2))


def _pairs(items: list[str]) -> list[tuple[str, str]]:
    pairs = [item.partition("=") for item in items]
    if any(not sep for _, sep, _ in pairs):
        raise CommandError(f"faults are name=value pairs, e.g. {EXAMPLE}")
    if unknown := sorted({name for name, _, _ in pairs} - set(faults.DEFAULTS)):
        names = ", ".join(faults.DEFAULTS)
        raise CommandError(f"unknown fault {', '.join(unknown)}; the names are: {names}")
    return [(name, value.strip()) for name, _, value in pairs]


def _value(name: str, text: str) -> Any:
    """The typed value of one fault, or a CommandError saying what the fault takes."""
    if name in faults.LIST_KEYS:
        return _list(name, text)
    default = faults.DEFAULTS[name]
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if default is None and value is None:
        return None
    share = isinstance(default, float)
    if share and _number(value) and 0 <= value <= 1:
        return float(value)
    if not share and _number(value) and isinstance(value, int) and value >= 0:
        return value
    takes, example = ("a share from 0 to 1", "0.2") if share else ("a whole number", "3")
    raise CommandError(f"{name} takes {takes}, e.g. {name}={example}; got {text!r}")


def _list(name: str, text: str) -> list[str]:
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise CommandError(f"{name}: {text!r} is not a JSON list ({error})") from error
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CommandError(f"{name} takes a list of words, e.g. {name}=a,b")
        return value
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
