"""Counters shared by every process, each change one atomic operation (RELIABILITY.md 23).

`cache.add` then `cache.incr` is two operations: another process deleting the key in between made
`incr` raise and killed a sync run. Here an increment creates the key, starts its TTL and returns
the new value at once: one Lua script on Redis (production, tests), one upsert statement on the
database otherwise (`make run`'s DatabaseCache), so the embedded setup is as safe as production.
Keys go through the cache's KEY_PREFIX and version, like every other cache key.
"""

from datetime import timedelta

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from ..counter_models import SharedCounter

# INCR creates a missing key at 1; a key without a TTL (just created) gets one.
_REDIS_INCREMENT = """
local value = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return value
"""

# A conflicting row whose expiry has passed restarts at 1 with a fresh expiry.
_DATABASE_INCREMENT = """
INSERT INTO {table} ({key}, {value}, {expires}) VALUES (%s, 1, %s)
ON CONFLICT ({key}) DO UPDATE SET
    {value} = CASE WHEN {table}.{expires} > %s THEN {table}.{value} + 1 ELSE 1 END,
    {expires} = CASE WHEN {table}.{expires} > %s THEN {table}.{expires} ELSE excluded.{expires} END
RETURNING {value}
"""


def increment(key: str, *, ttl: int) -> int:
    """Add one to `key` and return the new value; a missing or expired key starts at 1 and
    lives `ttl` seconds from then (later increments do not extend it)."""
    cache = caches["default"]
    full_key = cache.make_and_validate_key(key)
    if isinstance(cache, RedisCache):
        return _redis_increment(cache, full_key, ttl)
    return _database_increment(full_key, ttl)


def read_many(keys: list[str]) -> list[int]:
    """The current values of `keys` (0 for a missing or expired one), in one round trip or query."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        found = cache.get_many(keys)
        return [int(found.get(key, 0)) for key in keys]
    full_keys = [cache.make_and_validate_key(key) for key in keys]
    rows = SharedCounter.objects.filter(key__in=full_keys, expires_at__gt=timezone.now())
    found = dict(rows.values_list("key", "value"))
    return [found.get(key, 0) for key in full_keys]


def reset(key: str) -> None:
    """Forget `key`: the next increment starts again at 1."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        cache.delete(key)
    else:
        SharedCounter.objects.filter(key=cache.make_and_validate_key(key)).delete()


def _redis_increment(cache: RedisCache, full_key: str, ttl: int) -> int:
    # Django's RedisCache has no public way to run a script; `_cache` is its client wrapper,
    # and the write client is the one `cache.delete` uses, so both see the same server.
    client = cache._cache.get_client(full_key, write=True)
    return int(client.register_script(_REDIS_INCREMENT)(keys=[full_key], args=[max(1, ttl)]))


def _database_increment(full_key: str, ttl: int) -> int:
    now = timezone.now()
    expires = now + timedelta(seconds=max(1, ttl))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_database_sql(), [full_key, adapt(expires), adapt(now), adapt(now)])
        value = cursor.fetchone()[0]
    if value == 1:  # a new window: drop the rows of finished ones so the table stays small
        SharedCounter.objects.filter(expires_at__lte=now).delete()
    return value


def _database_sql() -> str:
    quote = connection.ops.quote_name
    return _DATABASE_INCREMENT.format(
        table=quote(SharedCounter._meta.db_table),
        key=quote("key"),
        value=quote("value"),
        expires=quote("expires_at"),
    )
