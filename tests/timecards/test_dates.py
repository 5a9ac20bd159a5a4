"""A time card's date is the project's local date: a late shift never lands on the next day."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from apps.timecards.dates import project_local_date, project_today, week_start

pytestmark = pytest.mark.django_db


def test_23_30_in_denver_on_january_5_is_january_5_not_january_6_utc(site):
    late_shift = datetime(2025, 1, 5, 23, 30, tzinfo=timezone(timedelta(hours=-7)))
    assert late_shift.astimezone(UTC).date() == date(2025, 1, 6)
    assert project_local_date(site.project, late_shift) == date(2025, 1, 5)
    assert project_local_date(site.project, datetime(2025, 1, 6, 6, 30, tzinfo=UTC)) == date(
        2025, 1, 5
    )


def test_summer_time_is_taken_into_account(site):
    # 23:30 MDT (UTC-6) on July 4 is 05:30 UTC on July 5.
    assert project_local_date(site.project, datetime(2025, 7, 5, 5, 30, tzinfo=UTC)) == date(
        2025, 7, 4
    )


def test_a_project_without_a_zone_uses_its_offices(site):
    site.project.time_zone = ""
    site.project.office.time_zone = "America/New_York"
    moment = datetime(2025, 1, 6, 4, 30, tzinfo=UTC)  # 23:30 on Jan 5 in New York
    assert project_local_date(site.project, moment) == date(2025, 1, 5)
    site.project.time_zone = "Not/AZone"  # free text from Procore: fall back, never crash
    assert project_local_date(site.project, moment) == date(2025, 1, 5)


def test_a_naive_time_is_already_the_projects_wall_clock(site):
    assert project_local_date(site.project, datetime(2025, 1, 5, 23, 30)) == date(2025, 1, 5)


@freeze_time("2025-01-06 05:00:00+00:00")
def test_today_at_the_project_is_still_yesterday_in_utc_terms(site):
    assert project_today(site.project) == date(2025, 1, 5)


def test_weeks_start_on_monday():
    assert week_start(date(2025, 1, 12)) == date(2025, 1, 6)  # a Sunday
    assert week_start(date(2025, 1, 6)) == date(2025, 1, 6)
