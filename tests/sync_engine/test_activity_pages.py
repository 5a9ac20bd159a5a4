"""A run's items on Sync Activity page by cursor: every item once, in order, at any depth."""

import pytest

from apps.procore_sync.engine_models import Outcome, SyncItem
from apps.procore_sync.runs import run_queue
from tests.keyset_walking import pks, walks_both_ways

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tenant):
    run = run_queue(office=tenant.office, flow="entities", trigger="user", enqueue=lambda _: None)
    outcomes = [Outcome.CREATED, Outcome.FAILED, Outcome.UPDATED]
    SyncItem.objects.bulk_create(
        SyncItem(
            run=run, entity="vendors", direction="in", label=f"Vendor {n}", outcome=outcomes[n % 3]
        )
        for n in range(250)
    )
    return run


def test_a_runs_items_page_by_cursor_in_order_without_gaps_or_repeats(owner_client, run):
    pages = walks_both_ways(owner_client, f"/sync/runs/{run.pk}/", key="items")
    assert [len(rows) for _, rows in pages] == [100, 100, 50]
    assert pks(pages) == list(run.items.order_by("pk").values_list("pk", flat=True))
    failed = walks_both_ways(owner_client, f"/sync/runs/{run.pk}/?outcome=failed", key="items")
    assert all("outcome=failed" in url for url, _ in failed)
    expected = run.items.filter(outcome=Outcome.FAILED).order_by("pk")
    assert pks(failed) == list(expected.values_list("pk", flat=True)) and len(failed) == 1


def test_another_account_gets_404_for_a_runs_page(owner_client, run, outsider):
    pages = walks_both_ways(owner_client, f"/sync/runs/{run.pk}/", key="items")
    owner_client.force_login(outsider.owner)
    assert owner_client.get(pages[1][0]).status_code == 404
