"""The table behind shared counters when the cache is not Redis (`make run`)."""

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
