"""One form for money, dates and labels, whatever page or message shows them."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from apps.core.labels import label
from apps.core.present import day, full_stop, moment, money

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("5700"), "$5,700.00"),
        (Decimal("1800.5"), "$1,800.50"),
        (Decimal("-1000"), "-$1,000.00"),
        (Decimal("1234567890.125"), "$1,234,567,890.13"),
        (Decimal("0.004"), "$0.00"),
        (Decimal("-0.004"), "$0.00"),
        ("2500.50", "$2,500.50"),
        (12, "$12.00"),
        (None, ""),
        ("", ""),
        ("not a number", ""),
    ],
)
def test_money_has_separators_two_decimals_and_a_leading_minus(amount, shown):
    assert money(amount) == shown


def test_money_is_a_template_filter_on_every_page_without_a_load():
    html = Template("Paid {{ paid|money }} of {{ total|money }}").render(
        Context({"paid": Decimal("1000"), "total": Decimal("1800.00")})
    )
    assert html == "Paid $1,000.00 of $1,800.00"


def test_a_date_has_one_form_with_no_period_after_the_month():
    assert day(datetime.date(2026, 12, 6)) == "Dec 6, 2026"
    assert day(datetime.date(2026, 9, 6)) == "Sep 6, 2026"
    assert day(None) == ""


def test_a_plain_date_in_a_template_reads_like_the_filter():
    html = Template("{{ d }} {{ d|date }} {{ d|day }}").render(
        Context({"d": datetime.date(2026, 12, 6)})
    )
    assert html == "Dec 6, 2026 Dec 6, 2026 Dec 6, 2026"


def test_a_moment_is_shown_in_the_job_site_zone():
    at = datetime.datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
    assert moment(at) == "Dec 7, 2026 03:30"
    assert moment(at, "America/Chicago") == "Dec 6, 2026 21:30"
    assert day(at, "America/Chicago") == "Dec 6, 2026"


def test_an_unknown_zone_falls_back_to_the_site_zone():
    at = datetime.datetime(2026, 12, 7, 3, 30, tzinfo=ZoneInfo("UTC"))
    assert moment(at, "Mars/Olympus") == "Dec 7, 2026 03:30"
    assert moment(at, "") == "Dec 7, 2026 03:30"


def test_a_moment_filter_takes_the_zone_from_the_page():
    html = Template("{{ at|moment:zone }}").render(
        Context({"at": datetime.datetime(2026, 12, 7, 3, 30, tzinfo=UTC), "zone": "America/Denver"})
    )
    assert html == "Dec 6, 2026 20:30"


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("daily_logs", "Time cards to daily logs"),
        ("exported_created", "Created in Procore"),
        ("skipped_inactive", "Skipped (inactive in Procore)"),
        ("employee_id", "Employee ID"),
        ("first_name", "First name"),
        ("some_new_count", "Some new count"),
        ("created", "Created"),
        ("cor.status_changed", "COR: status changed"),
        ("office.created", "Office: created"),
    ],
)
def test_every_key_has_a_human_name(key, shown):
    assert label(key) == shown


def test_a_name_ending_in_a_period_gets_no_second_one():
    assert full_stop("Sandbox Builders Inc.") == "Sandbox Builders Inc."
    assert full_stop("Riverside Development") == "Riverside Development."
    html = Template("to {{ name|full_stop }} Only").render(Context({"name": "Demo Co."}))
    assert html == "to Demo Co. Only"
