"""Procore's two rate windows as one connection's budget sees them (procore-api.md §3.5).

Pure arithmetic, no storage: the database fallback (`ratestore.py`) runs it in Python, and the
Redis script there does the same steps in Lua. Each window counts, from the moment a request is
reserved, every request that Procore will count in it; an answer's `X-Rate-Limit-*` headers
(only the window closer to running out is reported) can raise that count, never lower it:
`Remaining` already reflects requests answered before it, while ours still in flight are not yet
in it but are already in our count.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SPIKE_SECONDS = 10
HOUR_SECONDS = 3600
LENGTHS = {"spike": SPIKE_SECONDS, "hour": HOUR_SECONDS}
# A window counts as reset this long after Procore's reset time, so a clock a little ahead of
# Procore's does not send the first requests of a window into the end of the previous one.
GRACE = 0.2


@dataclass(frozen=True)
class Header:
    limit: int
    remaining: int
    reset: float  # Unix seconds

    @property
    def counted(self) -> int:
        """Requests Procore had counted in the window when it answered."""
        return max(0, self.limit - self.remaining)


def read_header(headers: Mapping[str, str]) -> Header | None:
    try:
        return Header(
            int(headers["X-Rate-Limit-Limit"]),
            int(headers["X-Rate-Limit-Remaining"]),
            float(headers["X-Rate-Limit-Reset"]),
        )
    except (KeyError, ValueError):
        return None


@dataclass
class Window:
    length: int
    limit: int | None = None  # None until Procore reports this window: nothing is held back
    used: int = 0
    reset: float | None = None

    def roll(self, now: float, in_flight: Callable[[], int]) -> None:
        """Move to the window `now` is in. Requests still in flight may be counted in the new
        window (they reach Procore after its start), so the new count starts with them."""
        if self.reset is None:  # never seen: a guess aligned like Procore's fixed windows
            self.reset, self.used = now - now % self.length + self.length, 0
        elif now >= self.reset + GRACE:
            self.reset += (math.floor((now - self.reset) / self.length) + 1) * self.length
            self.used = in_flight()

    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def observe(self, header: Header, in_flight: int) -> None:
        """Fold in an answer's header. A header of a later window than ours (or the first one)
        starts that window at Procore's count plus ours still in flight (either may be in it);
        one of our window only raises our count; an older one is stale."""
        if self.limit is None or self.reset is None or header.reset > self.reset:
            self.reset, self.used = header.reset, header.counted + in_flight
        elif header.reset == self.reset:
            self.used = max(self.used, header.counted)
        else:
            return
        self.limit = header.limit


def window_of(header: Header, windows: Mapping[str, Window], now: float) -> str:
    """Which window a header reports: the one whose limit it names, else by its reset time."""
    named = [name for name, window in windows.items() if window.limit == header.limit]
    if len(named) == 1:
        return named[0]
    return "spike" if header.reset - now <= SPIKE_SECONDS else "hour"
