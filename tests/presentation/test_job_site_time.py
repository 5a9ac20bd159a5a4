"""A COR's dates are the job site's: created late evening in Chicago reads as that evening's day."""

import datetime

from django.urls import reverse

from apps.cors.models import ChangeOrderRequest
from apps.cors.services import cor_create
from apps.projects.models import Project

LATE_IN_CHICAGO = datetime.datetime(2026, 12, 7, 3, 30, tzinfo=datetime.UTC)  # Dec 6, 21:30 CST


def test_a_cor_shows_the_day_it_was_created_at_the_job_site(owner_client, tenant):
    tenant.office.time_zone = "America/Chicago"
    tenant.office.save(update_fields=["time_zone"])
    project = Project.objects.create(office=tenant.office, number="200", name="PJA")
    cor = cor_create(project=project, user=tenant.owner, title="Extra outlet", lines=[])
    ChangeOrderRequest.objects.filter(pk=cor.pk).update(created_at=LATE_IN_CHICAGO)

    page = owner_client.get(reverse("cor_detail", args=[cor.pk])).content.decode()
    assert "<dd>Dec 6, 2026 by" in page


def test_a_project_zone_wins_over_its_office_zone(owner_client, tenant):
    project = Project.objects.create(
        office=tenant.office, number="201", name="PJB", time_zone="Asia/Tokyo"
    )
    cor = cor_create(project=project, user=tenant.owner, title="Extra outlet", lines=[])
    ChangeOrderRequest.objects.filter(pk=cor.pk).update(created_at=LATE_IN_CHICAGO)

    page = owner_client.get(reverse("cor_detail", args=[cor.pk])).content.decode()
    assert "<dd>Dec 7, 2026 by" in page
