"""Run shared-counter callers in separate OS processes, each its own Django, all at once.

Threads would share one cache client and one database connection; the bug this guards against
(RELIABILITY.md 23) only shows between processes. Children are spawned, not forked, so each sets
Django up afresh against the parent's test database and cache settings. This module imports no
Django model at the top: a spawned child imports it before Django is set up.
"""

import multiprocessing
import os
import random
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from django.conf import settings
from django.db import connection

PROCESSES = 4
Job = Callable[..., Any]


def run_in_processes(job: Job, *args: Any, processes: int = PROCESSES) -> list[Any]:
    """Call `job(index, barrier, *args)` in `processes` children; return their results in order.

    Fails if any child raised (its traceback is on stderr). The barrier lets the callers start
    together after their Django set-up, and lets a job mark phases.
    """
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    environment = (connection.settings_dict["NAME"], settings.CACHES)
    children = [
        context.Process(target=_child, args=(environment, job, index, barrier, results, args))
        for index in range(processes)
    ]
    for child in children:
        child.start()
    collected = dict(results.get(timeout=120) for _ in children)
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0] * processes
    return [collected[index] for index in range(processes)]


def _child(
    environment: tuple[str, dict],
    job: Job,
    index: int,
    barrier: Barrier,
    results: Queue,
    args: tuple,
) -> None:
    try:
        _setup_django(*environment)
        results.put((index, job(index, barrier, *args)))
    except BaseException as exc:
        results.put((index, repr(exc)))
        barrier.abort()  # do not leave the other children waiting for this one
        raise


def _setup_django(database_name: str, caches: dict) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    settings.DATABASES["default"]["NAME"] = database_name  # the parent's test database
    settings.CACHES = caches  # with the parent's KEY_PREFIX, so both see the same keys
    django.setup()


# -- jobs: module-level functions, so a spawned child can import them -----------------------------


def circuit_failures(index: int, barrier: Barrier, connection_id: int, calls: int) -> None:
    from apps.procore_sync.client.circuit import CircuitBreaker

    breaker = CircuitBreaker(connection_id)
    barrier.wait()
    for _ in range(calls):
        breaker.failed()


def circuit_mixed_then_failures(
    index: int, barrier: Barrier, connection_id: int, calls: int, final_failures: int
) -> None:
    """Failures and successes interleaved at random; then, once every process is done with those,
    one success and only failures, so the final count is known."""
    from apps.procore_sync.client.circuit import CircuitBreaker

    breaker, choice = CircuitBreaker(connection_id), random.Random(index).random
    barrier.wait()
    for _ in range(calls):
        if choice() < 0.5:
            breaker.failed()
        else:
            breaker.succeeded()
    barrier.wait()
    if index == 0:
        breaker.succeeded()
    barrier.wait()
    for _ in range(final_failures):
        breaker.failed()


def budget_takes(index: int, barrier: Barrier, connection_id: int, calls: int) -> int:
    """How many of `calls` reservations the shared budget let through (none waits)."""
    from apps.procore_sync.client.errors import RateLimited
    from apps.procore_sync.client.ratelimit import RateBudget

    budget, allowed = RateBudget(connection_id, max_wait=0), 0
    barrier.wait()
    for _ in range(calls):
        try:
            budget.reserve()
        except RateLimited:
            continue
        allowed += 1
    return allowed
