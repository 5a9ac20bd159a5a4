"""Sync Activity and a run's page show counts, flows and fields by their human names."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.procore_sync.engine_models import ExternalRef, Outcome, SyncItem, SyncRun
from apps.projects.models import CostCode

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
COUNTS = {"exported_created": 3, "skipped_inactive": 2, "conflicts_kept_trestle": 1, "new_kind": 4}


def visible_text(html: str) -> str:
    """The words a person reads: no tags, attributes, scripts or CSRF tokens."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def run(tenant) -> SyncRun:
    run = SyncRun.objects.create(
        office=tenant.office, flow="daily_logs", trigger="user", status="partial", counts=COUNTS
    )
    SyncItem.objects.create(
        run=run, entity="timecard_entry", direction="out", label="Eli Berg Dec 6",
        outcome=Outcome.UPDATED, overwritten={"cost_code": {"trestle": "A", "procore": "B"}},
    )  # fmt: skip
    return run


def test_sync_activity_shows_no_snake_case_key(owner_client, run):
    page = owner_client.get(reverse("sync_activity")).content.decode()
    text = visible_text(page)
    assert SNAKE.findall(text) == []
    assert "Time cards to daily logs" in text
    assert "Created in Procore 3" in text and "New kind 4" in text


def test_a_run_page_shows_no_snake_case_key(owner_client, run):
    page = owner_client.get(reverse("sync_run_detail", args=[run.pk])).content.decode()
    text = visible_text(page)
    assert SNAKE.findall(text) == []
    assert "Skipped (inactive in Procore)" in text and "Timecard entry" in text
    assert "Cost code: A" in text


def test_a_run_of_another_account_is_not_found(client, outsider, run):
    client.force_login(outsider.owner)
    assert client.get(reverse("sync_run_detail", args=[run.pk])).status_code == 404


def test_the_links_page_names_record_types_in_words(owner_client, tenant):
    code = CostCode.objects.create(
        office=tenant.office, code="01-100", name="General", division_code="01"
    )
    ExternalRef.objects.create(
        office=tenant.office, content_type=ContentType.objects.get_for_model(CostCode),
        object_id=code.pk, procore_type="standard_cost_code", procore_id=77,
    )  # fmt: skip
    text = visible_text(owner_client.get(reverse("procore_links")).content.decode())
    assert SNAKE.findall(text) == []
    assert "Standard cost code #77" in text
