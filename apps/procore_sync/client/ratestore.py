"""Where a connection's rate windows live, each change one atomic step (RELIABILITY.md 23).

On Redis (production, tests) a reservation and an answer are each one Lua script over the
connection's hash of windows and its sorted set of requests in flight; on the database (`make
run`'s DatabaseCache) the same steps run in Python (`ratewindow.py`) in one transaction under the
state row's lock (`select_for_update` on PostgreSQL; SQLite's IMMEDIATE transactions take the
write lock at BEGIN). Keys go through the cache's KEY_PREFIX and version.
"""

from collections.abc import Iterable

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from ..counter_models import RateBudgetState, RateReservation
from .ratewindow import GRACE, LENGTHS, Header, Window, window_of

STATE_TTL = 2 * 86400  # the card still shows the last hour's use a day later

# KEYS: the windows hash, the in-flight set. ARGV: now, grace, then per call (below).
_LUA_WINDOWS = """
local now, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
local lengths = {spike = SPIKE_SECONDS, hour = HOUR_SECONDS}
local function in_flight()
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
    return redis.call('ZCARD', KEYS[2])
end
local function load(name)
    local v = redis.call('HMGET', KEYS[1], name .. ':limit', name .. ':used', name .. ':reset')
    local w = {name = name, len = lengths[name], limit = tonumber(v[1]),
               used = tonumber(v[2]) or 0, reset = tonumber(v[3])}
    if w.reset == nil then
        w.reset, w.used = now - now % w.len + w.len, 0
    elseif now >= w.reset + grace then
        w.reset = w.reset + (math.floor((now - w.reset) / w.len) + 1) * w.len
        w.used = in_flight()
    end
    return w
end
local function save(w)
    redis.call('HSET', KEYS[1], w.name .. ':used', w.used, w.name .. ':reset',
               string.format('%.17g', w.reset))
    if w.limit then redis.call('HSET', KEYS[1], w.name .. ':limit', w.limit) end
    redis.call('EXPIRE', KEYS[1], STATE_TTL)
end
""".replace("SPIKE_SECONDS", str(LENGTHS["spike"]))
_LUA_WINDOWS = _LUA_WINDOWS.replace("HOUR_SECONDS", str(LENGTHS["hour"]))
_LUA_WINDOWS = _LUA_WINDOWS.replace("STATE_TTL", str(STATE_TTL))

# ARGV[3..5]: token, its expiry, the set's TTL. Returns "" or the time to wait until.
_LUA_RESERVE = (
    _LUA_WINDOWS
    + """
local windows, wait = {load('spike'), load('hour')}, 0
for _, w in ipairs(windows) do
    if w.limit and w.used >= w.limit then wait = math.max(wait, w.reset + grace) end
end
if wait == 0 then
    for _, w in ipairs(windows) do w.used = w.used + 1 end
    redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
    redis.call('EXPIRE', KEYS[2], ARGV[5])
end
for _, w in ipairs(windows) do save(w) end
if wait == 0 then return '' end
return string.format('%.17g', wait)
"""
)

# ARGV[3]: token; ARGV[4..6] (optional): the header's limit, counted requests, reset. Which
# window it reports: the one whose limit it names, else by its reset time (`window_of`).
_LUA_SETTLE = (
    _LUA_WINDOWS
    + """
redis.call('ZREM', KEYS[2], ARGV[3])
if ARGV[4] then
    local limit, counted, reset = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
    local spike, hour = load('spike'), load('hour')
    local w = hour
    if spike.limit == limit and hour.limit ~= limit then w = spike
    elseif hour.limit == limit and spike.limit ~= limit then w = hour
    elseif reset - now <= spike.len then w = spike end
    if w.limit == nil or reset > w.reset then
        w.reset, w.used, w.limit = reset, counted + in_flight(), limit
    elseif reset == w.reset then
        w.used, w.limit = math.max(w.used, counted), limit
    end
    save(w)
end
return 1
"""
)


def in_redis() -> bool:
    """True when the windows live in Redis: reserving then needs no database connection, so
    threads other than the request's may reserve too."""
    return isinstance(caches["default"], RedisCache)


def reserve(key: str, token: str, *, now: float, expires: float) -> float | None:
    """Take one request from both windows, or return when the fuller one resets (taking none)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        hash_key, set_key = _redis_keys(cache, key)
        ttl = max(1, int(expires - now) + 1)
        answer = _script(cache, hash_key, _LUA_RESERVE)(
            keys=[hash_key, set_key], args=[now, GRACE, token, expires, ttl]
        )
        answer = answer.decode() if isinstance(answer, bytes) else answer
        return float(answer) if answer else None
    return _database_reserve(cache.make_and_validate_key(key), token, now, expires)


def settle(key: str, token: str, header: Header | None, *, now: float) -> None:
    """The request was answered (or given up): it is no longer in flight; fold in its header."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        hash_key, set_key = _redis_keys(cache, key)
        args: list = [now, GRACE, token]
        if header is not None:
            args += [header.limit, header.counted, header.reset]
        _script(cache, hash_key, _LUA_SETTLE)(keys=[hash_key, set_key], args=args)
        return
    _database_settle(cache.make_and_validate_key(key), token, header, now)


def windows_of(keys: Iterable[str], *, now: float) -> dict[str, dict[str, Window]]:
    """Each key's windows as of `now` (one round trip or query for all, for the health card).
    A window that has ended shows nothing used: what was in flight then is not counted here."""
    cache = caches["default"]
    keys = list(keys)
    if isinstance(cache, RedisCache):
        full = [cache.make_and_validate_key(key) for key in keys]
        client = cache._cache.get_client(full[0] if full else "", write=False)
        pipe = client.pipeline(transaction=False)
        for hash_key in full:
            pipe.hgetall(hash_key)
        rows = [_decode(row) for row in pipe.execute()] if full else []
        found = {key: _windows_from(row) for key, row in zip(keys, rows, strict=True)}
    else:
        full = {cache.make_and_validate_key(key): key for key in keys}
        states = RateBudgetState.objects.filter(key__in=full)
        found = {key: _windows_from({}) for key in keys}
        found |= {full[state.key]: _windows_from_row(state) for state in states}
    for windows in found.values():
        for window in windows.values():
            window.roll(now, lambda: 0)
    return found


# -- Redis ---------------------------------------------------------------------------------------


def _redis_keys(cache: RedisCache, key: str) -> tuple[str, str]:
    return cache.make_and_validate_key(key), cache.make_and_validate_key(f"{key}:in-flight")


def _script(cache: RedisCache, hash_key: str, source: str):
    # As in counters.py: `_cache` is Django's client wrapper; the write client is the one
    # `cache.delete` uses. register_script runs EVALSHA and loads the script when missing.
    return cache._cache.get_client(hash_key, write=True).register_script(source)


def _decode(row: dict) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in row.items()
    }


def _windows_from(row: dict[str, str]) -> dict[str, Window]:
    def number(field: str, kind):
        value = row.get(field)
        return kind(value) if value not in (None, "") else None

    return {
        name: Window(
            length,
            limit=number(f"{name}:limit", int),
            used=number(f"{name}:used", int) or 0,
            reset=number(f"{name}:reset", float),
        )
        for name, length in LENGTHS.items()
    }


# -- the database (`make run`) -------------------------------------------------------------------


def _windows_from_row(state: RateBudgetState) -> dict[str, Window]:
    return {
        name: Window(
            length,
            limit=getattr(state, f"{name}_limit"),
            used=getattr(state, f"{name}_used"),
            reset=getattr(state, f"{name}_reset"),
        )
        for name, length in LENGTHS.items()
    }


def _store(state: RateBudgetState, windows: dict[str, Window]) -> None:
    for name, window in windows.items():
        setattr(state, f"{name}_limit", window.limit)
        setattr(state, f"{name}_used", window.used)
        setattr(state, f"{name}_reset", window.reset)
    state.save()


def _locked_state(full_key: str) -> RateBudgetState:
    RateBudgetState.objects.bulk_create([RateBudgetState(key=full_key)], ignore_conflicts=True)
    return RateBudgetState.objects.select_for_update().get(key=full_key)


def _in_flight(full_key: str, now: float):
    def count() -> int:
        RateReservation.objects.filter(budget_key=full_key, expires__lte=now).delete()
        return RateReservation.objects.filter(budget_key=full_key).count()

    return count


def _database_reserve(full_key: str, token: str, now: float, expires: float) -> float | None:
    with transaction.atomic():
        state = _locked_state(full_key)
        windows = _windows_from_row(state)
        for window in windows.values():
            window.roll(now, _in_flight(full_key, now))
        full = [window.reset + GRACE for window in windows.values() if window.full()]
        if not full:
            for window in windows.values():
                window.used += 1
            RateReservation.objects.create(token=token, budget_key=full_key, expires=expires)
        _store(state, windows)
    return max(full) if full else None


def _database_settle(full_key: str, token: str, header: Header | None, now: float) -> None:
    with transaction.atomic():
        state = _locked_state(full_key)
        RateReservation.objects.filter(token=token).delete()
        if header is None:
            return
        windows = _windows_from_row(state)
        window = windows[window_of(header, windows, now)]
        in_flight = _in_flight(full_key, now)
        window.roll(now, in_flight)
        window.observe(header, in_flight())
        _store(state, windows)
