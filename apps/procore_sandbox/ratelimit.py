"""Procore's two rate limits, hourly and a 10-second spike (procore-api.md §3.5).

Counts live in the database so every process of `make run` and the live server share them.
Every call counts, the refused ones too; the headers report whichever window is closer to
running out.
"""

import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse

from .models import SandboxRateWindow

WINDOWS = (("hour", 3600), ("spike", 10))
MESSAGE = (
    "You have surpassed the max number of requests for an hour. "
    "Please wait until your limit resets."
)


@dataclass(frozen=True)
class Budget:
    limit: int
    remaining: int
    reset: int  # Unix seconds

    @property
    def spent(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(max(self.remaining, 0)),
            "X-Rate-Limit-Reset": str(self.reset),
        }


def consume(key: str, *, hourly: int, spike: int) -> Budget:
    """Count one request for `key` (a token) and return the tighter of the two budgets."""
    now = int(time.time())
    budgets = []
    for (window, seconds), limit in zip(WINDOWS, (hourly, spike), strict=True):
        start = now - now % seconds
        count = _increment(key, window, start)
        budgets.append(Budget(limit, limit - count, start + seconds))
    return min(budgets, key=lambda budget: (budget.remaining, budget.reset))


def _increment(key: str, window: str, start: int) -> int:
    rows = SandboxRateWindow.objects.filter(key=key, window=window, start=start)
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                SandboxRateWindow.objects.create(key=key, window=window, start=start, count=1)
            SandboxRateWindow.objects.filter(key=key, window=window, start__lt=start).delete()
            return 1
        except IntegrityError:  # another request opened the window first
            rows.update(count=F("count") + 1)
    return rows.values_list("count", flat=True).get()


def refusal(budget: Budget) -> HttpResponse:
    """The 429: Procore's text, the limit headers, and Retry-After ("may be present", so it is)."""
    response = HttpResponse(MESSAGE, status=429, content_type="text/plain")
    for name, value in budget.headers().items():
        response[name] = value
    response["Retry-After"] = str(max(budget.reset - int(time.time()), 1))
    return response


def spent_spike(limit: int) -> Budget:
    """A spike window with nothing left, for 429 bursts injected as faults."""
    now = int(time.time())
    return Budget(limit, -1, now - now % 10 + 10)
