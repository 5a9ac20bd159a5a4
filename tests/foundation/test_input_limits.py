"""Dates and text lengths people type are checked with one rule and one message, on the web
forms and on the API alike (apps/core/limits.py)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from apps.accounts.models import Role
from apps.core.limits import DESCRIPTION_MAX, validate_entered_date
from apps.cors.models import ChangeOrderRequest
from apps.projects.models import Project
from apps.timecards.models import TimeCardEntry
from tests.ap_invoices.conftest import ap, make_invoice  # noqa: F401  (fixture)
from tests.timecards.conftest import site  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


@freeze_time("2026-12-07 12:00:00")
@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (date(1, 1, 1), True),
        (date(1999, 12, 31), True),
        (date(2000, 1, 1), False),
        (TODAY + timedelta(days=366), False),
        (TODAY + timedelta(days=367), True),
    ],
)
def test_the_window_is_2000_to_a_year_ahead(day, refused):
    if refused:
        with pytest.raises(ValidationError):
            validate_entered_date(day)
    else:
        validate_entered_date(day)


def test_the_entry_form_refuses_year_one_and_says_why(client_as, site):  # noqa: F811
    data = {"project": site.project.pk, "employee": site.ana.pk, "date": "0001-01-01"}
    response = client_as(Role.FIELD).post("/timecards/new/", {**data, "hours": "8"})
    assert response.status_code == 400
    assert response.context["form"].errors["date"] == ["Enter a date on or after 2000-01-01."]
    assert not TimeCardEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("date", "0001-01-01"), ("started_at", "0001-01-01T08:00:00Z")]
)
def test_the_api_refuses_a_time_entry_in_year_one(api, site, field, value):  # noqa: F811
    body = {"project": site.project.pk, "employee": site.ana.pk, "hours": "8", field: value}
    response = api.post("/api/v1/time-entries/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Enter a date on or after 2000-01-01."]}
    assert not TimeCardEntry.objects.exists()


def test_a_payment_dated_far_ahead_is_refused(api_as, ap, tenant):  # noqa: F811
    invoice = make_invoice(ap, tenant.owner)
    far = (date.today() + timedelta(days=400)).isoformat()
    body = {"date": far, "amount": "10.00", "method": "check"}
    response = api_as(Role.OWNER).post(f"/api/v1/ap-invoices/{invoice.pk}/payments/", body)
    assert response.status_code == 400
    assert "no more than a year ahead" in response.json()["date"][0]


@pytest.fixture
def project(tenant) -> Project:
    return Project.objects.create(office=tenant.office, number="200", name="PJA")


def _cor_form(project: Project, description: str) -> dict:
    return {
        "project": project.pk, "title": "Extra outlet", "description": description,
        "schedule_impact_days": "0", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0",
    }  # fmt: skip


def test_the_cor_form_refuses_a_description_over_the_limit(client_as, project):
    client = client_as(Role.PROJECT_MANAGER)
    response = client.post("/cors/new/", _cor_form(project, "x" * (DESCRIPTION_MAX + 1)))
    assert response.status_code == 400
    [error] = response.context["form"].errors["description"]
    assert "at most 10000 characters" in error
    assert client.post("/cors/new/", _cor_form(project, "x" * DESCRIPTION_MAX)).status_code == 302
    assert ChangeOrderRequest.objects.count() == 1


def test_a_2_mb_cor_description_is_refused_before_any_work(client_as, project):
    response = client_as(Role.PROJECT_MANAGER).post(
        "/cors/new/", _cor_form(project, "x" * 2_000_000)
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ChangeOrderRequest.objects.exists()


def test_the_api_refuses_a_cor_description_over_the_limit(api, project):
    body = {"project": project.pk, "title": "T", "description": "x" * (DESCRIPTION_MAX + 1)}
    response = api.post("/api/v1/cors/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["description"]
    assert not ChangeOrderRequest.objects.exists()


def test_the_timesheet_says_a_week_out_of_range_is_not_shown(client_as, site):  # noqa: F811
    client = client_as(Role.FIELD)
    url = f"/timecards/timesheet/?employee={site.ana.pk}&week=0001-01-02"
    page = client.get(url).content.decode()
    assert "Week 0001-01-02: Enter a date on or after 2000-01-01. Showing this week" in page
