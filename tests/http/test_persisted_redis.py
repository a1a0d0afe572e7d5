"""APQ registrations in Redis (127.0.0.1:6379), shared by two router instances over
real HTTP. Needs the Redis server: fails, never skips, when it is missing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from redis.asyncio import Redis

from supergraph.http.config import parse_config
from tests.http.edge import edge_app
from tests.http.loopback import serve
from tests.kit.redis_namespace import REDIS_URL, RedisNamespace

QUERY = "query Me { me { username } }"
SHA256 = hashlib.sha256(QUERY.encode()).hexdigest()
EXTENSIONS = {"persistedQuery": {"version": 1, "sha256Hash": SHA256}}

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    with RedisNamespace("apq") as name:
        yield name


async def test_two_routers_share_registrations(prefix: str) -> None:
    config = parse_config(
        {"persisted_queries": {"redis_url": REDIS_URL, "redis_key_prefix": prefix, "ttl": 60}}
    )
    async with AsyncExitStack() as exits:
        first = await exits.enter_async_context(serve(edge_app(config)))
        second = await exits.enter_async_context(serve(edge_app(config)))
        client = await exits.enter_async_context(httpx.AsyncClient())
        miss = await client.post(f"{second}/graphql", json={"extensions": EXTENSIONS})
        assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        registered = await client.post(
            f"{first}/graphql", json={"query": QUERY, "extensions": EXTENSIONS}
        )
        assert registered.json() == {"data": {"me": {"username": "ada"}}}
        hit = await client.post(f"{second}/graphql", json={"extensions": EXTENSIONS})
        assert hit.json() == {"data": {"me": {"username": "ada"}}}
    redis = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        key = prefix + SHA256
        assert await redis.get(key) == QUERY
        assert 0 < await redis.ttl(key) <= 60
    finally:
        await redis.aclose()


async def test_redis_down_degrades_to_a_miss(prefix: str) -> None:
    # Port 1: nothing listens; the client re-sends the full query, which still runs.
    config = parse_config(
        {"persisted_queries": {"redis_url": "redis://127.0.0.1:1/0", "redis_key_prefix": prefix}}
    )
    async with serve(edge_app(config)) as base, httpx.AsyncClient() as client:
        miss = await client.post(f"{base}/graphql", json={"extensions": EXTENSIONS})
        assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        full = await client.post(f"{base}/graphql", json={"query": QUERY, "extensions": EXTENSIONS})
        assert full.json() == {"data": {"me": {"username": "ada"}}}
