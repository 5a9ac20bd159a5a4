"""One rate budget per connection that reserves a slot before each request (issue 17 §3)."""

import pytest

from apps.procore_sync.client.errors import RateLimited
from apps.procore_sync.client.ratelimit import RateBudget, hourly_use
from apps.procore_sync.client.ratewindow import GRACE

# Each test runs on Redis and on the database fallback (`make run`).
pytestmark = pytest.mark.usefixtures("counter_backend")


def headers(remaining: int, reset: float, limit: int = 25) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


def budgets(connection, fake_time, n: int = 1, **options) -> list[RateBudget]:
    return [
        RateBudget(connection.pk, sleep=fake_time.sleep, clock=fake_time.clock, **options)
        for _ in range(n)
    ]


def test_requests_in_flight_count_before_procore_answers_them(connection, fake_time):
    a, b, c = budgets(connection, fake_time, 3)
    reset = fake_time.now + 6
    a.settle(a.reserve(), headers(remaining=4, reset=reset, limit=5))  # 1 of 5 counted
    in_flight = [budget.reserve() for budget in (b, c, a, b)]  # 5 of 5 reserved
    assert fake_time.sleeps == []
    # Procore answers one of them having counted only 2: ours in flight still count.
    b.settle(in_flight[0], headers(remaining=3, reset=reset, limit=5))
    c.reserve()
    assert fake_time.sleeps == [6 + GRACE]  # the sixth waited for the window's reset


def test_a_429_fills_the_window_for_everyone_until_its_reset(connection, fake_time):
    a, b = budgets(connection, fake_time, 2)
    reset = fake_time.now + 4
    a.settle(a.reserve(), headers(remaining=20, reset=reset))
    b.settle(b.reserve(), headers(remaining=0, reset=reset))  # another client used the rest
    a.reserve()
    assert fake_time.sleeps == [4 + GRACE]
    b.reserve()  # the new window has room: no second wait
    assert fake_time.sleeps == [4 + GRACE]


def test_a_stale_header_does_not_restart_the_count(connection, fake_time):
    (budget,) = budgets(connection, fake_time)
    reset = fake_time.now + 5
    budget.settle(budget.reserve(), headers(remaining=2, reset=reset, limit=3))
    late = budget.reserve()
    budget.reserve()  # 3 of 3
    budget.settle(late, headers(remaining=3, reset=reset - 10, limit=3))  # the previous window's
    budget.reserve()
    assert fake_time.sleeps == [5 + GRACE]


def test_a_new_window_starts_with_the_requests_still_in_flight(connection, fake_time):
    a, b = budgets(connection, fake_time, 2)
    reset = fake_time.now + 2
    a.settle(a.reserve(), headers(remaining=2, reset=reset, limit=3))
    crossing = [a.reserve(), a.reserve()]  # 3 of 3; both may reach Procore after the reset
    crossing.append(b.reserve())  # waits for the reset; the new window starts with those 2
    assert fake_time.sleeps == [2 + GRACE]
    for token in crossing:
        a.settle(token, None)  # answered without headers: still counted where they were
    b.reserve()
    assert fake_time.sleeps == [2 + GRACE, 10.0]
    b.reserve()  # a window whose start had nothing in flight
    assert fake_time.sleeps == [2 + GRACE, 10.0]


def test_a_header_of_a_later_window_is_taken_with_ours_in_flight(connection, fake_time):
    (budget,) = budgets(connection, fake_time)
    budget.settle(budget.reserve(), headers(remaining=9, reset=fake_time.now + 1, limit=10))
    fake_time.now += 1  # Procore's clock is ahead: its next window has begun, ours not yet
    first, second = budget.reserve(), budget.reserve()
    budget.settle(first, headers(remaining=2, reset=fake_time.now + 9, limit=10))
    budget.reserve()  # 8 counted by Procore + 1 still in flight + this one = 10
    budget.max_wait = 0
    with pytest.raises(RateLimited):
        budget.reserve()
    budget.settle(second, None)


def test_it_raises_rather_than_wait_past_max_wait(connection, fake_time):
    (budget,) = budgets(connection, fake_time)
    budget.settle(budget.reserve(), headers(remaining=0, reset=fake_time.now + 1200, limit=600))
    with pytest.raises(RateLimited) as caught:
        budget.reserve()
    assert caught.value.retry_at == int(fake_time.now + 1200) + GRACE
    assert fake_time.sleeps == []


def test_waits_add_up_to_at_most_max_wait(connection, fake_time):
    """Another process takes the slot while this one sleeps: it sleeps until the next reset
    (never spins), and gives up once the waits would pass max_wait."""
    (other,) = budgets(connection, fake_time)

    def sleep_while_another_takes_the_slot(seconds: float) -> None:
        fake_time.sleep(seconds)
        other.reserve()

    budget = RateBudget(
        connection.pk, max_wait=15, sleep=sleep_while_another_takes_the_slot, clock=fake_time.clock
    )
    budget.settle(budget.reserve(), headers(remaining=0, reset=fake_time.now + 5, limit=1))
    with pytest.raises(RateLimited):
        budget.reserve()
    assert fake_time.sleeps == [5 + GRACE]  # the next wait (10 more) would pass 15 s


def test_a_request_of_a_dead_process_stops_counting_as_in_flight(connection, fake_time, settings):
    settings.PROCORE_TIMEOUT_SECONDS = 5  # a slot is in flight 15 s at most
    (budget,) = budgets(connection, fake_time)
    budget.settle(budget.reserve(), headers(remaining=1, reset=fake_time.now + 2, limit=2))
    budget.reserve()  # never settled: its process died
    fake_time.now += 20
    budget.reserve()
    budget.reserve()  # 2 of 2 in this window: the dead one no longer counts
    assert fake_time.sleeps == []


def test_other_connections_have_their_own_budget(connection, tenant, fake_time):
    from .conftest import make_connection

    (spent,) = budgets(connection, fake_time)
    spent.settle(spent.reserve(), headers(remaining=0, reset=fake_time.now + 5))
    other = make_connection(tenant.office, status="disconnected")
    (budget,) = budgets(other, fake_time)
    budget.reserve()
    assert fake_time.sleeps == []


def test_the_hourly_window_is_counted_and_kept_for_the_health_card(connection, fake_time):
    (budget,) = budgets(connection, fake_time)
    for _ in range(3):  # Procore reports the spike window while the hour has room
        budget.settle(budget.reserve(), headers(remaining=20, reset=fake_time.now + 5))
    use = hourly_use([connection.pk], now=fake_time.now)[connection.pk]
    assert (use.used, use.limit, use.left) == (3, None, None)
    hour_end = fake_time.now - fake_time.now % 3600 + 3600
    assert use.resets_at == hour_end
    budget.settle(budget.reserve(), headers(remaining=590, reset=hour_end, limit=600))
    later = hourly_use([connection.pk], now=fake_time.now + 60)[connection.pk]
    assert (later.used, later.limit, later.left) == (10, 600, 590)
    fresh = hourly_use([connection.pk], now=hour_end + 1)[connection.pk]
    assert (fresh.used, fresh.left, fresh.resets_at) == (0, 600, hour_end + 3600)


def test_an_hourly_header_near_its_reset_is_told_from_the_spike_by_its_limit(connection, fake_time):
    (budget,) = budgets(connection, fake_time)
    hour_end = fake_time.now - fake_time.now % 3600 + 3600
    budget.settle(budget.reserve(), headers(remaining=5, reset=hour_end, limit=600))
    fake_time.now = hour_end - 8  # both windows end within 10 s
    budget.settle(budget.reserve(), headers(remaining=4, reset=hour_end, limit=600))
    budget.settle(budget.reserve(), headers(remaining=20, reset=fake_time.now + 2, limit=25))
    assert hourly_use([connection.pk], now=fake_time.now)[connection.pk].used == 597
