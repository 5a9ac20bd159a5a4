"""One rate budget per connection, shared by every process through the Django cache (Redis).

Procore reports one of two windows on each answer (`X-Rate-Limit-Limit/Remaining/Reset`): the
10-second spike window or the hourly one, whichever is closer to running out. We keep the latest
snapshot of each window in the cache, and count the requests every worker sends against that
snapshot with atomic `cache.add` + `cache.incr`; when the count reaches the snapshot's `remaining`,
everyone waits for its reset. A fresh snapshot (from any worker's answer) starts a fresh count.
"""

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.cache import cache

from . import counters
from .errors import RateLimited

SPIKE_WINDOW_SECONDS = 10


@dataclass(frozen=True)
class Snapshot:
    remaining: int
    reset: float  # Unix seconds


def read_headers(headers: Mapping[str, str]) -> Snapshot | None:
    try:
        return Snapshot(
            int(headers["X-Rate-Limit-Remaining"]), float(headers["X-Rate-Limit-Reset"])
        )
    except (KeyError, ValueError):
        return None


class RateBudget:
    """Ask `wait()` before each request and `record()` each answer's headers."""

    def __init__(
        self,
        connection_id: int,
        *,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.prefix = f"procore-rate:{connection_id}"
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock

    def record(self, headers: Mapping[str, str]) -> None:
        snapshot = read_headers(headers)
        if snapshot is None:
            return
        now = self.clock()
        window = "spike" if snapshot.reset - now <= SPIKE_WINDOW_SECONDS else "hour"
        ttl = max(1, math.ceil(snapshot.reset - now) + 1)
        cache.set(f"{self.prefix}:{window}", (snapshot.remaining, snapshot.reset), ttl)

    def latest(self) -> Snapshot | None:
        """The tighter of the live windows, for the connection-health card."""
        live = [
            Snapshot(*snapshot)
            for window in ("hour", "spike")
            if (snapshot := cache.get(f"{self.prefix}:{window}")) and snapshot[1] > self.clock()
        ]
        return min(live, key=lambda s: s.remaining, default=None)

    def wait(self) -> None:
        """Take one request from the budget, sleeping until a reset if it is spent.

        Raises RateLimited (with `retry_at`) rather than sleep longer than `max_wait`.
        """
        for window in ("hour", "spike"):
            wait_until = self._take(window)
            if wait_until is None:
                continue
            delay = wait_until - self.clock()
            if delay > self.max_wait:
                raise RateLimited(retry_at=wait_until)
            if delay > 0:
                self.sleep(delay)

    def _take(self, window: str) -> float | None:
        """None if this window lets a request through now, else when it resets."""
        snapshot = cache.get(f"{self.prefix}:{window}")
        if snapshot is None:
            return None
        remaining, reset = snapshot
        if reset <= self.clock():
            return None
        counter = f"{self.prefix}:{window}:{reset}:{remaining}"
        taken = counters.increment(counter, ttl=max(1, math.ceil(reset - self.clock()) + 1))
        return None if taken <= remaining else reset
