"""Shared counters: one atomic operation per change, on Redis and on the database, across processes.

RELIABILITY.md 23. The bug this replaces: `cache.add` then `cache.incr`, with another process's
`succeeded()` deleting the key in between, raised ValueError and killed a sync run.
"""

import time
import uuid

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from apps.procore_sync.client import answer_counts, counters
from apps.procore_sync.client.circuit import CircuitBreaker
from apps.procore_sync.client.errors import ProcoreUnavailable
from apps.procore_sync.client.ratelimit import RateBudget
from apps.procore_sync.counter_models import SharedCounter

from .counter_processes import (
    PROCESSES,
    budget_takes,
    circuit_failures,
    circuit_mixed_then_failures,
    run_in_processes,
)
from .test_ratelimit import headers


def fresh_key() -> str:
    return f"test-counter:{uuid.uuid4().hex}"


def fresh_connection_id() -> int:
    """Circuits and budgets are keyed by connection id; none of these tests needs the row."""
    return uuid.uuid4().int % 10**12


def count_of(key: str) -> int:
    """The counter's value, read through the public API: the next increment is one more."""
    return counters.increment(key, ttl=60) - 1


def redis_ttl(key: str) -> int:
    full_key = cache.make_and_validate_key(key)
    return cache._cache.get_client(full_key).ttl(full_key)


# -- both backends, one process ------------------------------------------------------------------


def test_an_increment_returns_the_new_value_starting_at_one(counter_backend):
    key = fresh_key()
    assert [counters.increment(key, ttl=60) for _ in range(3)] == [1, 2, 3]


def test_a_reset_starts_the_count_again(counter_backend):
    key = fresh_key()
    counters.increment(key, ttl=60)
    counters.increment(key, ttl=60)
    counters.reset(key)
    counters.reset(key)  # resetting a missing counter is fine
    assert counters.increment(key, ttl=60) == 1


def test_another_key_prefix_keeps_its_own_counts(counter_backend, settings):
    key = fresh_key()
    counters.increment(key, ttl=60)
    default = settings.CACHES["default"]
    settings.CACHES = {"default": {**default, "KEY_PREFIX": f"{default['KEY_PREFIX']}-other"}}
    assert counters.increment(key, ttl=60) == 1


def test_the_circuit_opens_at_the_threshold_and_probes_after_the_cooldown(counter_backend):
    breaker = CircuitBreaker(fresh_connection_id(), threshold=3, cooldown=60)
    breaker.failed()
    breaker.failed()
    breaker.check()
    breaker.failed()
    with pytest.raises(ProcoreUnavailable, match="paused"):
        breaker.check()
    cache.delete(breaker.open_key)  # the cooldown has passed
    breaker.check()
    breaker.failed()  # the probe failed: open again at once
    with pytest.raises(ProcoreUnavailable):
        breaker.check()
    cache.delete(breaker.open_key)
    breaker.succeeded()  # the probe succeeded: the count starts over
    breaker.failed()
    breaker.failed()
    breaker.check()


# -- Redis ---------------------------------------------------------------------------------------


def test_redis_keeps_the_ttl_of_the_first_increment():
    key = fresh_key()
    counters.increment(key, ttl=60)
    counters.increment(key, ttl=600)  # a later increment does not extend the window
    assert 55 <= redis_ttl(key) <= 60
    assert cache.get(key) == 2  # an ordinary cache key: KEY_PREFIX and version applied


def test_redis_counts_on_from_a_key_without_a_ttl():
    """A key the cache wrote without expiry (e.g. by the add+incr code during a deploy) goes on
    counting, and gets a TTL so it cannot live forever."""
    key = fresh_key()
    cache.set(key, 5, timeout=None)
    assert counters.increment(key, ttl=60) == 6
    assert 55 <= redis_ttl(key) <= 60


# -- the database (`make run`) -------------------------------------------------------------------


@pytest.mark.parametrize("counter_backend", ["database"], indirect=True)
def test_the_database_restarts_an_expired_count_and_drops_finished_ones(counter_backend):
    ongoing, finished = fresh_key(), fresh_key()
    with freeze_time("2030-01-01 12:00:00") as frozen:
        counters.increment(finished, ttl=5)
        assert [counters.increment(ongoing, ttl=10) for _ in range(2)] == [1, 2]
        frozen.tick(6)
        assert counters.increment(ongoing, ttl=10) == 3
        assert counters.increment(fresh_key(), ttl=10) == 1  # a new row: finished ones go
        assert not SharedCounter.objects.filter(key__endswith=finished).exists()
        frozen.tick(5)
        assert counters.increment(ongoing, ttl=10) == 1  # its window ended: a new one


# -- several processes at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_failures_from_several_processes_are_all_counted(counter_backend):
    connection_id = fresh_connection_id()
    run_in_processes(circuit_failures, connection_id, 300)
    breaker = CircuitBreaker(connection_id)
    assert count_of(breaker.failures_key) == PROCESSES * 300


@pytest.mark.django_db(transaction=True)
def test_failures_and_successes_interleaved_across_processes_never_raise(counter_backend):
    connection_id = fresh_connection_id()
    run_in_processes(circuit_mixed_then_failures, connection_id, 300, 25)
    breaker = CircuitBreaker(connection_id)
    assert count_of(breaker.failures_key) == PROCESSES * 25


@pytest.mark.django_db(transaction=True)
def test_several_processes_share_one_rate_budget_exactly(counter_backend):
    connection_id = fresh_connection_id()
    budget = RateBudget(connection_id)
    budget.settle(budget.reserve(), headers(remaining=499, reset=time.time() + 1200, limit=500))
    allowed = run_in_processes(budget_takes, connection_id, 200)
    assert sum(allowed) == 499  # the hourly window's 500, less the one that seeded it


# -- answers counted for the health card ---------------------------------------------------------


def test_answers_are_counted_by_class_over_the_last_hour_and_day(counter_backend):
    connection_id, other = fresh_connection_id(), fresh_connection_id()
    now = time.time()
    for status, age in [(200, 0), (201, 0), (404, 60), (503, 3000), (None, 0), (200, 7200)]:
        answer_counts.count(connection_id, status, now=now - age)
    answer_counts.count(other, 500, now=now)
    answer_counts.count(connection_id, 200, now=now - 90000)  # more than a day ago
    counts = answer_counts.totals([connection_id, other], now=now)
    assert counts[connection_id]["hour"] == {"2xx": 2, "4xx": 1, "5xx": 1, "none": 1}
    assert counts[connection_id]["day"] == {"2xx": 3, "4xx": 1, "5xx": 1, "none": 1}
    assert counts[other]["hour"]["5xx"] == 1
    assert counters.read_many([fresh_key()]) == [0]
