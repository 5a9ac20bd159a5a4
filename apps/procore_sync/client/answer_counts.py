"""Every answer Procore gives a connection, counted by class (2xx, 4xx, 5xx, or none at all) in
shared 5-minute buckets, for the connection-health card (issue 17 §4).

One atomic increment per answer (`counters.py`, Redis or the database); reading sums the
buckets of the last hour (the current one and the 11 before it) and of the last day.
"""

import time
from collections.abc import Iterable

from . import counters

BUCKET_SECONDS = 300
HOUR_BUCKETS = 3600 // BUCKET_SECONDS
DAY_BUCKETS = 86400 // BUCKET_SECONDS
CLASSES = ("2xx", "4xx", "5xx", "none")


def answer_class(status: int | None) -> str:
    """`none` when no answer came (timeout, dropped connection)."""
    return "none" if status is None else f"{status // 100}xx"


def count(connection_id: int, status: int | None, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    bucket = int(now // BUCKET_SECONDS)
    key = _key(connection_id, answer_class(status), bucket)
    counters.increment(key, ttl=86400 + BUCKET_SECONDS)


def totals(
    connection_ids: Iterable[int], *, now: float | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """{connection: {"hour": {class: n}, "day": {class: n}}}, read in one round trip (or query)."""
    now = time.time() if now is None else now
    last = int(now // BUCKET_SECONDS)
    connection_ids = list(connection_ids)
    keys = [
        (pk, answer, bucket)
        for pk in connection_ids
        for answer in CLASSES
        for bucket in range(last - DAY_BUCKETS + 1, last + 1)
    ]
    values = counters.read_many([_key(*key) for key in keys])
    result = {
        pk: {span: dict.fromkeys(CLASSES, 0) for span in ("hour", "day")} for pk in connection_ids
    }
    for (pk, answer, bucket), value in zip(keys, values, strict=True):
        result[pk]["day"][answer] += value
        if bucket > last - HOUR_BUCKETS:
            result[pk]["hour"][answer] += value
    return result


def _key(connection_id: int, answer: str, bucket: int) -> str:
    return f"procore-answers:{connection_id}:{answer}:{bucket}"
