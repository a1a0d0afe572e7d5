"""GCRA limiters: in Redis (exact across clients under concurrency) and in memory."""

from __future__ import annotations

import asyncio

import pytest

from supergraph.executor.rate_limit import MemoryLimiter, RateLimit, RedisLimiter
from tests.kit.redis_namespace import REDIS_URL

from .stack import redis_prefix


@pytest.mark.redis
async def test_redis_limiters_of_two_replicas_allow_exactly_the_capacity() -> None:
    limit = RateLimit(50, 3600)
    async with redis_prefix() as prefix:
        replicas = [RedisLimiter(REDIS_URL, prefix=prefix) for _ in range(2)]
        try:
            calls = [replicas[i % 2].acquire("k", limit) for i in range(200)]
            waits = await asyncio.gather(*calls)
        finally:
            for replica in replicas:
                await replica.aclose()
        assert sum(wait is None for wait in waits) == 50
        refused = [wait for wait in waits if wait is not None]
        assert all(0 < wait <= 3600 / 50 for wait in refused)
        assert [r.redis_errors for r in replicas] == [0, 0]


@pytest.mark.redis
async def test_redis_keys_are_separate_and_long_keys_hashed() -> None:
    limit = RateLimit(1, 3600)
    async with redis_prefix() as prefix:
        limiter = RedisLimiter(REDIS_URL, prefix=prefix)
        try:
            long_a, long_b = "a" * 10_000, "a" * 9_999 + "b"
            assert await limiter.acquire(long_a, limit) is None
            assert await limiter.acquire(long_b, limit) is None
            assert await limiter.acquire(long_a, limit) is not None
        finally:
            await limiter.aclose()


async def test_redis_unreachable_counts_in_this_process() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:9/0", timeout=1.0)
    try:
        waits = [await limiter.acquire("k", RateLimit(2, 3600)) for _ in range(3)]
    finally:
        await limiter.aclose()
    assert [w is None for w in waits] == [True, True, False]
    assert limiter.redis_errors == 3


def test_memory_gcra_allows_a_burst_then_the_sustained_rate() -> None:
    limiter = MemoryLimiter()
    limit = RateLimit(10, 10.0)  # one a second once the burst is spent
    assert [limiter.take("k", limit, 100.0) for _ in range(10)] == [None] * 10
    assert limiter.take("k", limit, 100.0) == pytest.approx(1.0)
    assert limiter.take("k", limit, 100.5) == pytest.approx(0.5)
    assert limiter.take("k", limit, 101.0) is None
    assert limiter.take("k", limit, 101.0) is not None
    # Idle for a whole interval: the full burst again, never more.
    assert [limiter.take("k", limit, 200.0) for _ in range(11)].count(None) == 10


def test_memory_gcra_of_capacity_one_allows_a_fresh_key_at_any_clock() -> None:
    # 127917.53360342373 + 3600 - 3600 - 127917.53360342373 > 0 in floating point.
    limiter = MemoryLimiter()
    limit = RateLimit(1, 3600.0)
    assert limiter.take("k", limit, 127917.53360342373) is None
    assert limiter.take("k", limit, 127917.53360342373) is not None


def test_memory_limiter_is_bounded_by_keys() -> None:
    limiter = MemoryLimiter(max_keys=100)
    limit = RateLimit(1, 3600)
    for index in range(1_000):
        assert limiter.take(f"client-{index}", limit, 0.0) is None
    assert len(limiter._tat) == 100
