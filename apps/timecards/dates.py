"""Time card dates are the project's local date: a late shift in Denver stays on its own day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from apps.projects.models import Project


def project_zone(project: Project) -> ZoneInfo:
    """The project's zone, else its office's (a project's zone is free text from Procore)."""
    for name in (project.time_zone, project.office.time_zone):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def project_local_date(project: Project, moment: datetime) -> date:
    """The calendar date at the project when `moment` happened.

    A naive `moment` is taken as the project's wall clock already (its date is the answer).
    """
    if timezone.is_naive(moment):
        return moment.date()
    return moment.astimezone(project_zone(project)).date()


def project_today(project: Project) -> date:
    return project_local_date(project, timezone.now())


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=n) for n in range(7)]
