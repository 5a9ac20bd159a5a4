"""Time card dates are the project's local date: a late shift in Denver stays on its own day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from apps.offices.models import Office
from apps.projects.models import Project


def _first_zone(*names: str) -> ZoneInfo:
    """The first valid zone among `names`, else UTC (a project's zone is free text from Procore)."""
    for name in names:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def project_zone(project: Project) -> ZoneInfo:
    """The project's zone, else its office's."""
    return _first_zone(project.time_zone, project.office.time_zone)


def project_local_date(project: Project, moment: datetime) -> date:
    """The calendar date at the project when `moment` happened.

    A naive `moment` is taken as the project's wall clock already (its date is the answer).
    """
    if timezone.is_naive(moment):
        return moment.date()
    return moment.astimezone(project_zone(project)).date()


def project_today(project: Project) -> date:
    return project_local_date(project, timezone.now())


def office_today(office: Office) -> date:
    """Today where the office is: a week that starts on Monday there starts on Monday here."""
    return timezone.now().astimezone(_first_zone(office.time_zone)).date()


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]
