"""One rate budget per connection, shared through the cache by every worker."""

import pytest

from apps.procore_sync.client.errors import RateLimited
from apps.procore_sync.client.ratelimit import RateBudget

# Each test runs on Redis and on the database counters (`make run`).
pytestmark = pytest.mark.usefixtures("counter_backend")


def headers(remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": "25",
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


def test_workers_share_the_spike_budget_and_wait_for_its_reset(connection, fake_time):
    workers = [
        RateBudget(connection.pk, sleep=fake_time.sleep, clock=fake_time.clock) for _ in range(3)
    ]
    workers[0].record(headers(remaining=4, reset=fake_time.now + 6))
    for n in range(4):
        workers[n % 3].wait()
    assert fake_time.sleeps == []
    workers[1].wait()  # the fifth request of the window, from any worker, waits for the reset
    assert fake_time.sleeps == [6.0]
    workers[2].wait()  # the window has reset
    assert fake_time.sleeps == [6.0]


def test_an_hourly_budget_spent_far_from_reset_raises(connection, fake_time):
    budget = RateBudget(connection.pk, sleep=fake_time.sleep, clock=fake_time.clock)
    budget.record(headers(remaining=0, reset=fake_time.now + 1200))
    with pytest.raises(RateLimited) as caught:
        budget.wait()
    assert caught.value.retry_at == int(fake_time.now + 1200)
    assert fake_time.sleeps == []


def test_other_connections_have_their_own_budget(connection, tenant, fake_time):
    from .conftest import make_connection

    spent = RateBudget(connection.pk, sleep=fake_time.sleep, clock=fake_time.clock)
    spent.record(headers(remaining=0, reset=fake_time.now + 5))
    other = make_connection(tenant.office, status="disconnected")
    RateBudget(other.pk, sleep=fake_time.sleep, clock=fake_time.clock).wait()
    assert fake_time.sleeps == []


def test_the_health_card_reads_the_tighter_window(connection, fake_time):
    budget = RateBudget(connection.pk, sleep=fake_time.sleep, clock=fake_time.clock)
    assert budget.latest() is None
    budget.record(headers(remaining=20, reset=fake_time.now + 8))
    budget.record(headers(remaining=500, reset=fake_time.now + 3000))
    assert budget.latest().remaining == 20
