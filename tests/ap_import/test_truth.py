"""A payment run stopped by an error of ours fails the payments it had not sent; Retry failed
sends exactly those, and each payment is in Procore once."""

from collections import Counter

import pytest

from apps.procore_sync.ap_payments import writeback
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import RunStatus
from apps.procore_sync.runs import run_retry_failed
from apps.procore_sync.work import NothingLeft

from .test_payments import in_procore, invoice, pay, queued  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_error_of_ours_fails_the_payments_not_sent_and_retry_sends_exactly_those(
    books,
    invoice,  # noqa: F811
    queued,  # noqa: F811
    monkeypatch,
):
    sent = [
        pay(invoice, amount, reference=f"10{n}") for n, amount in enumerate(("100", "200", "300"))
    ]
    queued.clear()  # one run for all three, as the scheduled pass makes
    calls = Counter()
    create = writeback.Writer._create

    def third_breaks(self, work, outcome, message):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a bug")
        return create(self, work, outcome, message)

    monkeypatch.setattr(writeback.Writer, "_create", third_breaks)
    run = books.run("ap_payments")
    assert run.status == RunStatus.FAILED and "RuntimeError" in run.error
    failed = sorted(run.items.filter(outcome="failed").values_list("object_id", flat=True))
    assert failed == [p.pk for p in sent[1:]] and len(in_procore()) == 1
    monkeypatch.undo()
    retry = run_retry_failed(run=run, user=books.tenant.owner, enqueue=lambda _: None)
    assert retry.params["payment_ids"] == [p.pk for p in sent[1:]]
    retry = run_execute(retry.pk)
    assert retry.status == RunStatus.SUCCEEDED and retry.counts == {"created": 2}
    origins = Counter(p["origin_id"] for p in in_procore())
    assert len(origins) == 3 and set(origins.values()) == {1}
    with pytest.raises(NothingLeft):
        run_retry_failed(run=retry, user=books.tenant.owner, enqueue=lambda _: None)
