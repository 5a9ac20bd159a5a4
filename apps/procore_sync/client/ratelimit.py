"""One rate budget per connection, shared by every web and worker process, that reserves a slot
before each request (issue 17 §3).

Procore counts requests in two fixed windows, hourly and a 10-second spike, and reports on each
answer (`X-Rate-Limit-Limit/Remaining/Reset`) whichever is closer to running out. The budget
counts every request against both windows *when it is reserved*, so requests other processes
have in flight are counted before Procore sees them; each answer's header can only raise the
count of the window it reports (`ratewindow.py`). A 429 says Remaining 0: that window is full
for everyone until its reset, and the count is not restarted. A process that finds a window full
sleeps until it resets (one sleep per reset, never a spin), or raises RateLimited rather than
wait longer than `max_wait` in all.
"""

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings

from . import ratestore
from .errors import RateLimited
from .ratewindow import Window, read_header


def budget_key(connection_id: int) -> str:
    return f"procore-rate:{connection_id}"


class RateBudget:
    """`reserve()` before each request, `settle()` with its answer's headers (or None)."""

    def __init__(
        self,
        connection_id: int,
        *,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = budget_key(connection_id)
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock

    def reserve(self) -> str:
        """A slot in both windows, after sleeping until a reset if one is full; its token."""
        token, deadline = uuid.uuid4().hex, self.clock() + self.max_wait
        # A request longer than its timeouts is gone; its slot stops counting as in flight.
        in_flight_for = 2 * settings.PROCORE_TIMEOUT_SECONDS + 5
        while True:
            now = self.clock()
            wait_until = ratestore.reserve(self.key, token, now=now, expires=now + in_flight_for)
            if wait_until is None:
                return token
            if wait_until > deadline:
                raise RateLimited(retry_at=wait_until)
            self.sleep(wait_until - now)

    def settle(self, token: str, headers: Mapping[str, str] | None) -> None:
        header = read_header(headers) if headers is not None else None
        ratestore.settle(self.key, token, header, now=self.clock())


@dataclass(frozen=True)
class HourlyUse:
    """The hourly window for the connection-health card."""

    used: int
    limit: int | None  # None until Procore has reported the hourly window
    resets_at: float  # Unix seconds

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


def hourly_use(connection_ids: list[int], *, now: float | None = None) -> dict[int, HourlyUse]:
    """Each connection's hourly window, read in one round trip (or query)."""
    now = time.time() if now is None else now
    windows = ratestore.windows_of([budget_key(pk) for pk in connection_ids], now=now)
    return {pk: _hourly(windows[budget_key(pk)]["hour"]) for pk in connection_ids}


def _hourly(window: Window) -> HourlyUse:
    return HourlyUse(used=window.used, limit=window.limit, resets_at=window.reset or 0.0)
