"""The tables behind shared counters and rate budgets when the cache is not Redis (`make run`)."""

from django.db import models


class SharedCounter(models.Model):
    """One counter several processes increment at once (circuit failures, rate-budget requests).

    Written only by `client/counters.py`, in one upsert statement so no process sees a half-made
    row; a row whose `expires_at` has passed counts as absent and starts again from 1.
    """

    key = models.CharField(max_length=255, primary_key=True)
    value = models.BigIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class RateBudgetState(models.Model):
    """One connection's two rate windows when the cache is not Redis (`make run`).

    Written only by `client/ratestore.py`, under this row's lock (or SQLite's write lock), so a
    reservation reads and writes both windows as one step. Times are Unix seconds.
    """

    key = models.CharField(max_length=255, primary_key=True)
    spike_limit = models.IntegerField(null=True)
    spike_used = models.IntegerField(default=0)
    spike_reset = models.FloatField(null=True)
    hour_limit = models.IntegerField(null=True)
    hour_used = models.IntegerField(default=0)
    hour_reset = models.FloatField(null=True)

    def __str__(self) -> str:
        return self.key


class RateReservation(models.Model):
    """A request reserved and not yet answered; it lapses at `expires` if its process died."""

    token = models.CharField(max_length=64, primary_key=True)
    budget_key = models.CharField(max_length=255, db_index=True)
    expires = models.FloatField()

    def __str__(self) -> str:
        return self.token
