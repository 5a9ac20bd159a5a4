"""The time export reads and sends its cards a chunk at a time (its memory is measured by
bench/time_export.py): every card still goes, in as few bulk creates, each with its item."""

from collections import Counter
from datetime import timedelta

import pytest

from apps.procore_sandbox import faults
from apps.procore_sync.client import resources
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.time_export import timesheets

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
DAYS = 10  # x 4 employees: 40 cards


@pytest.fixture
def cards(site, settings) -> list:
    settings.PROCORE_TIME_EXPORT_CHUNK_SIZE = 10
    return [
        site.entry(employee, MONDAY + timedelta(days=day), 8)
        for day in range(DAYS)
        for employee in range(4)
    ]


@pytest.fixture
def chunks(monkeypatch) -> list[int]:
    """The size of each chunk of cards the run planned."""
    sizes, original = [], timesheets.plan

    def plan(office, entries, options, **kwargs):
        sizes.append(len(entries))
        return original(office, entries, options, **kwargs)

    monkeypatch.setattr(timesheets, "plan", plan)
    return sizes


@pytest.fixture
def bulk_creates(monkeypatch) -> list[int]:
    """The number of entries in each bulk create sent to Procore."""
    sizes, original = [], resources.timecard_entries_bulk_create

    def bulk_create(client, *, project_id, entries):
        sizes.append(len(entries))
        return original(client, project_id=project_id, entries=entries)

    monkeypatch.setattr(resources, "timecard_entries_bulk_create", bulk_create)
    return sizes


def _export(site):
    return site.export(MONDAY, MONDAY + timedelta(days=DAYS - 1))


def _outcomes(run) -> Counter:
    return Counter(run.items.values_list("outcome", flat=True))


def test_cards_are_read_in_chunks_and_sent_in_full_bulk_creates(site, cards, chunks, bulk_creates):
    run = _export(site)
    assert chunks == [10, 10, 10, 10]
    assert bulk_creates == [25, 15]  # a batch spans chunks: ceil(40 / 25) calls, not one per chunk
    assert run.status == RunStatus.SUCCEEDED and run.counts == {"created": 40}
    assert run.progress_done == run.progress_total == 40
    items = run.items.values_list("object_id", "outcome")
    assert sorted(items) == sorted((card.pk, "created") for card in cards)
    assert len(site.timecards()) == 40 and max(site.origin_counts().values()) == 1
    assert site.procore_hours() == site.trestle_hours()


def test_an_export_with_nothing_changed_records_each_chunk_as_skipped(site, cards, chunks):
    _export(site)
    again = _export(site)
    assert chunks == [10] * 8
    assert again.counts == {"skipped": 40} and _outcomes(again) == {"skipped": 40}


@pytest.mark.usefixtures("short_waits")
def test_a_failed_bulk_create_fails_its_cards_only_and_the_retry_sends_them(
    site, cards, bulk_creates
):
    bulk = f"/rest/v1.1/projects/{site.procore_project_id}/project_timecard_entries/bulk_create"
    faults.set_faults(drop_before=1.0, paths=[bulk], methods=["POST"], max_faults=1)
    run = _export(site)
    assert run.status == RunStatus.PARTIAL and run.counts == {"created": 15, "failed": 25}
    failed = run.items.filter(outcome="failed")
    assert failed.count() == 25 and all("looks it up first" in i.fix for i in failed)
    assert set(run.items.values_list("object_id", flat=True)) == {card.pk for card in cards}
    retry = site.retry(run)
    assert retry.counts == {"created": 25}
    assert len(site.timecards()) == 40 and max(site.origin_counts().values()) == 1
    assert site.procore_hours() == site.trestle_hours()


def test_a_chunk_that_breaks_loses_none_of_the_chunks_before(site, cards, monkeypatch):
    original, calls = timesheets.cards_of, []

    def cards_of(ids):
        calls.append(ids)
        if len(calls) == 4:
            raise RuntimeError("the database went away")
        return original(ids)

    monkeypatch.setattr(timesheets, "cards_of", cards_of)
    run = _export(site)
    # chunks 1-3 filled one bulk create (25 cards); the 5 waiting for the next never left
    assert run.status == RunStatus.FAILED and "unexpected error" in run.error
    assert _outcomes(run) == {"created": 25, "failed": 15}
    assert len(site.timecards()) == 25
    monkeypatch.setattr(timesheets, "cards_of", original)
    retry = site.retry(run)
    assert len(retry.params["entry_ids"]) == 15 and retry.counts == {"created": 15}
    assert len(site.timecards()) == 40 and max(site.origin_counts().values()) == 1
    assert site.procore_hours() == site.trestle_hours()
