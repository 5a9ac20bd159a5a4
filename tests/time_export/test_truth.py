"""A time export stopped by an error of ours fails the cards it had not sent, and Retry failed
sends exactly those; the cards that went are never sent twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.procore_sync import recovery
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus, SyncRun
from apps.procore_sync.time_export import timesheets
from apps.procore_sync.work import NothingLeft

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_error_of_ours_fails_the_cards_not_sent_and_retry_sends_exactly_those(site, monkeypatch):
    cards = [site.entry(n % 4, MONDAY, 1 + n) for n in range(5)]
    calls = Counter()
    create = timesheets.Exporter._create

    def second_batch_breaks(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a bug")
        return create(self, batch)

    monkeypatch.setattr(timesheets, "BULK_SIZE", 2)
    monkeypatch.setattr(timesheets.Exporter, "_create", second_batch_breaks)
    run = site.export()
    assert run.status == RunStatus.FAILED and "RuntimeError" in run.error
    failed = sorted(run.items.filter(outcome="failed").values_list("object_id", flat=True))
    assert failed == [c.pk for c in cards[2:]] and len(site.timecards()) == 2
    monkeypatch.undo()
    retry = site.retry(run)
    assert retry.params["entry_ids"] == [c.pk for c in cards[2:]]
    assert retry.status == RunStatus.SUCCEEDED and retry.counts == {"created": 3}
    assert set(site.origin_counts().values()) == {1} and len(site.timecards()) == 5
    with pytest.raises(NothingLeft):
        site.retry(retry)


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the worker gets to handle it."""


def test_a_lookup_that_cannot_read_an_origin_id_never_sends_a_card_twice(site, monkeypatch):
    from apps.procore_sandbox import faults

    site.entry(0, MONDAY, 8)
    create = timesheets.resources.timecard_entries_bulk_create

    def lands_then_dies(*args, **kwargs):
        create(*args, **kwargs)
        raise Killed()

    monkeypatch.setattr(timesheets.resources, "timecard_entries_bulk_create", lands_then_dies)
    with pytest.raises(Killed):
        site.export()
    monkeypatch.undo()
    dead = SyncRun.objects.get(flow="time_export")
    SyncRun.objects.filter(pk=dead.pk).update(lease_expires_at=timezone.now() - timedelta(1))
    sent: list[int] = []
    recovery.runs_recover(enqueue=sent.append)
    # The recovery's lookup lists the entry with our origin_id turned into a number.
    listing = f"/rest/v1.0/projects/{site.procore_project_id}/timecard_entries"
    faults.set_faults(
        wrong_type=1.0, wrong_type_fields=["origin_id"], paths=[listing], methods=["GET"]
    )
    run = run_execute(sent[0])
    assert run.can_retry and "could not be read" in run.items.get(outcome="failed").message
    faults.reset_faults()
    run = site.retry(run)
    assert run.status == RunStatus.SUCCEEDED and run.counts == {"linked": 1}
    assert list(site.origin_counts().values()) == [1]
