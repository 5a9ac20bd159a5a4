"""A time export stopped by an error of ours fails the cards it had not sent, and Retry failed
sends exactly those; the cards that went are never sent twice."""

from collections import Counter

import pytest

from apps.procore_sync.engine_models import RunStatus
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
