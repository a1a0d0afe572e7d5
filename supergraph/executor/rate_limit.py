"""Rate limits: GCRA (the generic cell rate algorithm), in Redis or in this process.

    RateLimit(capacity, interval)            at most `capacity` requests per `interval`
    MemoryLimiter().acquire(key, limit)      -> None (allowed) or seconds to wait
    RedisLimiter(url, ...).acquire(key, limit)

GCRA keeps one number per key, the theoretical arrival time (TAT) of the next
request: each allowed request moves it `interval / capacity` later, and a
request is refused while the TAT is more than `interval` ahead of now. It allows
a burst of `capacity` at once, then one request per `interval / capacity`:
Apollo Router's `global_rate_limit` (`capacity` per `interval`) without fixed
windows that let twice the capacity through across a window edge.

In Redis the check and the update are one Lua script (atomic: exact under any
concurrency, across any number of router replicas), timed by the Redis server's
clock (replicas' clocks may disagree). A Redis that fails or does not answer
within `timeout` degrades to this process's own limiter (see `RedisLimiter`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

MAX_MEMORY_KEYS = 100_000
"""Keys a process's limiter tracks (client names, subjects and IPs come from clients)."""
MAX_KEY_CHARS = 128
"""A longer key (a client name header can be kilobytes) is kept as its hash."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    capacity: int
    """Requests allowed per `interval` (and the largest burst)."""
    interval: float
    """Seconds."""

    @property
    def emission(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return self.interval / self.capacity


class Limiter(Protocol):
    async def acquire(self, key: str, limit: RateLimit) -> float | None:
        """Take one request from `key`'s allowance: None when allowed, else the seconds
        until one would be."""
        ...

    async def aclose(self) -> None: ...


class MemoryLimiter:
    """GCRA in this process (asyncio: no lock; the check and update do not await)."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.max_keys = max_keys
        self._tat: OrderedDict[str, float] = OrderedDict()

    async def acquire(self, key: str, limit: RateLimit) -> float | None:
        return self.take(key, limit, time.monotonic())

    def take(self, key: str, limit: RateLimit, now: float) -> float | None:
        # Keys carry client input (names, subjects): long ones are held as their hash,
        # so max_keys bounds the bytes too, as on Redis.
        key = _short(key)
        tat = max(self._tat.get(key, now), now)
        # Differences first: `tat + emission - interval - now` can be a rounding error
        # above 0 when emission == interval (capacity 1), refusing a fresh key.
        wait = (tat - now) - (limit.interval - limit.emission)
        if wait > 0:
            return wait
        self._tat[key] = tat + limit.emission
        self._tat.move_to_end(key)
        if len(self._tat) > self.max_keys:
            # The least recently allowed key: its TAT is the oldest, the nearest to a
            # fresh allowance (forgetting it lets it start over).
            self._tat.popitem(last=False)
        return None

    async def aclose(self) -> None:
        return None


# KEYS[1]: the key; ARGV: emission interval and limit interval, in microseconds.
# Returns 0 when allowed, else the microseconds to wait. TIME before any write is
# allowed in scripts (Redis >= 5 replicates effects, not the script).
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local emission = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local wait = tat + emission - interval - now
if wait > 0 then return wait end
local new_tat = tat + emission
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
"""

DEFAULT_REDIS_TIMEOUT = 1.0
"""Seconds a Redis round trip (or a connection) may take before the request falls back
to the local limiter."""
MAX_REDIS_CONNECTIONS = 16
"""Connections to Redis per process: a burst of requests waits for one, first come first
served (a script runs in microseconds), instead of opening hundreds at once. (redis-py's
BlockingConnectionPool hands a freed connection to whoever asks next: under load some
waiters starved for most of a second.)"""
REDIS_RETRY_AFTER = 1.0
"""Seconds after a Redis failure during which the local limiter is used without asking
Redis (an outage must not cost every request a timeout)."""


class RedisLimiter:
    """GCRA in Redis, shared by every replica using the same `prefix`.

    Redis down (an error or no answer within `timeout`): the request is counted by
    this process's own `MemoryLimiter` instead, for `REDIS_RETRY_AFTER` seconds
    before Redis is tried again. That fails open as to the shared limit (each
    replica then allows the whole capacity on its own) but never unlimited: an
    outage of the limiter's store neither takes the API down nor lets a flood through.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "supergraph:rate:",
        timeout: float = DEFAULT_REDIS_TIMEOUT,
        fallback: MemoryLimiter | None = None,
    ) -> None:
        self._redis: Redis = Redis.from_url(
            url,
            max_connections=MAX_REDIS_CONNECTIONS,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self._slots = asyncio.Semaphore(MAX_REDIS_CONNECTIONS)
        self._timeout = timeout
        self._script = self._redis.register_script(_GCRA)
        self._prefix = prefix
        self.fallback = fallback or MemoryLimiter()
        self._down_until = 0.0
        self.redis_errors = 0
        """Requests counted by the local limiter because Redis failed."""

    async def acquire(self, key: str, limit: RateLimit) -> float | None:
        now = time.monotonic()
        if now >= self._down_until:
            try:
                async with asyncio.timeout(self._timeout), self._slots:
                    wait = await self._script(
                        keys=[self._prefix + _short(key)],
                        args=[_micros(limit.emission), _micros(limit.interval)],
                    )
            except (RedisError, OSError, TimeoutError) as error:  # a wait for a slot too
                if now >= self._down_until + REDIS_RETRY_AFTER:
                    # Once per outage, not per request (the requests go on meanwhile).
                    logger.warning("rate limit: Redis failed (%r), counting in this process", error)
                self._down_until = time.monotonic() + REDIS_RETRY_AFTER
            else:
                return None if int(wait) <= 0 else int(wait) / 1e6
        self.redis_errors += 1
        return self.fallback.take(key, limit, time.monotonic())

    async def aclose(self) -> None:
        await self._redis.aclose(close_connection_pool=True)


def _micros(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1e6))


def _short(key: str) -> str:
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
