"""A circuit breaker per connection, shared by every process: outages must not hammer Procore.

After `threshold` consecutive failed attempts (5xx, timeouts, dropped connections) from any worker,
the connection pauses for `cooldown` seconds. The first attempt after the pause is the probe: a
success closes the circuit, a failure opens it again at once. The failure count is an atomic
shared counter (`counters.py`), the open flag a cache key that expires with the cooldown.
"""

from django.core.cache import cache

from . import counters
from .errors import ProcoreUnavailable


class CircuitBreaker:
    def __init__(self, connection_id: int, *, threshold: int = 10, cooldown: int = 60) -> None:
        self.failures_key = f"procore-circuit:{connection_id}:failures"
        self.open_key = f"procore-circuit:{connection_id}:open"
        self.threshold = threshold
        self.cooldown = cooldown

    def check(self) -> None:
        if cache.get(self.open_key):
            raise ProcoreUnavailable(
                "Procore failed repeatedly for this connection; calls are paused for a minute."
            )

    def succeeded(self) -> None:
        counters.reset(self.failures_key)

    def failed(self) -> None:
        # Failures older than ten cooldowns are forgotten, consecutive or not.
        if counters.increment(self.failures_key, ttl=self.cooldown * 10) >= self.threshold:
            cache.set(self.open_key, True, timeout=self.cooldown)
