"""Limits on what people type, shared by the web forms and the API serializers so both refuse
the same input with the same message. Text columns are TextField in the database: the limit is
a promise of the interface (a description pasted from a document fits; a 2 MB one does not)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

# One limit per kind of text; CharField columns keep their own (shorter) model max_length.
DESCRIPTION_MAX = 10_000  # a COR's or a change notification's description
COMMENT_MAX = 2_000  # a reviewer's comment, a reason
SEARCH_MAX = 200  # the search box of a list

# Dates people enter (work days, payments, invoice and reply dates): a typo such as 0001-01-01
# or 2204 is refused rather than stored. Nothing Trestle tracks predates 2000; a year ahead
# covers invoices due and replies asked for next year.
EARLIEST_DATE = date(2000, 1, 1)
DAYS_AHEAD = 366


def validate_entered_date(value: date | None) -> None:
    """Refuse a date outside [EARLIEST_DATE, today + DAYS_AHEAD] with a message that says why."""
    if value is None:
        return
    latest = timezone.localdate() + timedelta(days=DAYS_AHEAD)
    if value < EARLIEST_DATE:
        raise ValidationError(
            f"Enter a date on or after {EARLIEST_DATE.isoformat()}.", code="date_too_early"
        )
    if value > latest:
        raise ValidationError(
            f"Enter a date no more than a year ahead (on or before {latest.isoformat()}).",
            code="date_too_late",
        )
