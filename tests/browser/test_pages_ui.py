"""A user pages the COR log with Older and Newer and keeps the filter (issue 18: keyset pages)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.cors.models import ChangeOrderRequest
from apps.projects.models import Project

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_older_and_newer_walk_the_log_keeping_the_filter(page, tenant, screenshot, monkeypatch):
    monkeypatch.setattr("apps.procore_sync.receivers.enqueue_run", lambda run_id: None)
    project = Project.objects.create(office=tenant.office, number="200", name="Tower")
    start = datetime(2025, 3, 1, tzinfo=UTC)
    ChangeOrderRequest.objects.bulk_create(  # 60 sent, 3 of them at each minute
        ChangeOrderRequest(
            project=project,
            number=n + 1,
            title=f"Change {n + 1}",
            status="sent" if n % 2 else "draft",
            created_at=start + timedelta(minutes=n // 6),
        )
        for n in range(120)
    )
    sent = ChangeOrderRequest.objects.filter(status="sent").order_by("-created_at", "-pk")
    titles = [cor.title for cor in sent]
    log_in(page, tenant.owner.email)
    page.goto("/cors/?status=sent")
    rows = page.locator("tr[data-cor] td:nth-child(4)")
    assert rows.all_inner_texts()[:50] == titles[:50]
    with page.expect_navigation():
        page.get_by_role("link", name="Older").click()
    assert "status=sent" in page.url and rows.all_inner_texts() == titles[50:]
    assert page.get_by_role("link", name="Older").count() == 0
    screenshot(page, "older")
    with page.expect_navigation():
        page.get_by_role("link", name="Newer").click()
    assert rows.all_inner_texts() == titles[:50]
