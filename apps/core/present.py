"""How money, dates and times read on a page: one form each, for templates and messages alike."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.formats import date_format

CENT = Decimal("0.01")


def money(value: object) -> str:
    """ "$5,700.00", "-$1,000.00"; "" for no amount, so a template's `default` says what to show."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""  # -0.00 has no sign worth showing
    return f"{sign}${abs(amount):,.2f}"


def _zone(name: str | None) -> datetime.tzinfo:
    """The named zone (an office's), else the site's: a bad name never breaks a page."""
    try:
        return ZoneInfo(name) if name else timezone.get_current_timezone()
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _local(value: datetime.datetime, zone: str | None) -> datetime.datetime:
    return timezone.localtime(value, _zone(zone)) if timezone.is_aware(value) else value


def day(value: object, zone: str | None = None) -> str:
    """A date as "Dec 6, 2026"; a datetime gives its day in `zone` (a job site's time zone)."""
    if isinstance(value, datetime.datetime):
        value = _local(value, zone)
    if not isinstance(value, datetime.date):
        return ""
    return date_format(value, "DATE_FORMAT")


def moment(value: object, zone: str | None = None) -> str:
    """A datetime as "Dec 6, 2026 14:05" in `zone` (a job site's time zone), else the site's."""
    if not isinstance(value, datetime.datetime):
        return day(value)
    return date_format(_local(value, zone), "DATETIME_FORMAT")


def full_stop(text: object) -> str:
    """End a sentence after a name without doubling the name's own period ("Builders Inc.")."""
    text = str(text)
    return text if text.endswith((".", "!", "?")) else f"{text}."
