"""Rate limits end to end: routers and a counting stub subgraph on loopback HTTP.

Two router instances sharing the real Redis allow exactly `capacity` operations
between them, however the concurrent requests are spread; the next is refused
with 429, `Retry-After` and REQUEST_RATE_LIMITED, and costs no subgraph request.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from supergraph.errors import REQUEST_RATE_LIMITED
from tests.subscriptions.clients import ws_client

from .stack import TOP, TOP_DATA, Router, redis_prefix, stack

pytestmark = pytest.mark.redis

N = 12
"""The capacity; the interval is an hour, so no allowance comes back during a test."""
EXTRA = 8


def limited(capacity: int = N, key: str | None = None, redis: str | None = None) -> dict[str, Any]:
    limit: dict[str, Any] = {"capacity": capacity, "interval": "1h"}
    if key is not None:
        limit["key"] = key
    # Subgraph requests are counted one per allowed operation: none shared in flight.
    shaping: dict[str, Any] = {
        "router": {"global_rate_limit": limit},
        "all": {"deduplicate_query": False},
    }
    if redis is not None:
        shaping["redis"] = {"urls": ["redis://127.0.0.1:6379/0"], "key_prefix": redis}
    return {"traffic_shaping": shaping}


async def burst(routers: list[Router], count: int, **headers: str) -> list[int]:
    """`count` operations at once, spread over `routers` in turn: their statuses."""
    calls = [routers[i % len(routers)].post(**headers) for i in range(count)]
    return [response.status_code for response in await asyncio.gather(*calls)]


async def test_two_routers_sharing_redis_allow_exactly_the_capacity() -> None:
    async with redis_prefix() as prefix, stack(limited(redis=prefix), routers=2) as s:
        statuses = await burst(s.routers, N + EXTRA)
        assert statuses.count(200) == N
        assert statuses.count(429) == EXTRA
        # Only the allowed operations reached the subgraph.
        assert s.subgraph.requests == N
        refused = await s.routers[0].post()
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["code"] == REQUEST_RATE_LIMITED
        assert refused.json()["errors"][0]["message"] == "Your request has been rate limited"
        # The next allowance comes one interval / capacity after the last one.
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= math.ceil(3600 / N)
        counted = [await r.metric("router_rate_limited_total") for r in s.routers]
        assert sum(counted) == EXTRA + 1


async def test_each_refusal_is_exact_when_both_routers_burst_again() -> None:
    async with redis_prefix() as prefix, stack(limited(redis=prefix), routers=2) as s:
        first = await burst(s.routers, N // 2)
        second = await burst(list(reversed(s.routers)), N)
        assert first.count(200) + second.count(200) == N
        assert s.subgraph.requests == N


async def test_keyed_by_client_name_each_client_has_its_own_allowance() -> None:
    async with (
        redis_prefix() as prefix,
        stack(limited(3, key="client_name", redis=prefix), routers=2) as s,
    ):
        web = await burst(s.routers, 5, **{"apollographql-client-name": "web"})
        ios = await burst(s.routers, 5, **{"apollographql-client-name": "ios"})
        anonymous = await burst(s.routers, 5)
        assert [web.count(200), ios.count(200), anonymous.count(200)] == [3, 3, 3]


async def test_keyed_by_persisted_operation_id() -> None:
    async with (
        redis_prefix() as prefix,
        stack(limited(2, key="persisted_id", redis=prefix)) as s,
    ):
        router = s.router
        other = "query Other { topProducts(first: 1) { upc } }"
        top = [(await router.post()).status_code for _ in range(3)]
        others = [(await router.post(other)).status_code for _ in range(3)]
        assert top == [200, 200, 429]
        assert others == [200, 200, 429]


async def test_without_redis_each_router_counts_alone() -> None:
    async with stack(limited(), routers=2) as s:
        statuses = await burst(s.routers, 2 * N + EXTRA)
        # In memory: each instance allows the capacity on its own.
        assert statuses.count(200) == 2 * N
        assert s.subgraph.requests == 2 * N


async def test_redis_down_falls_back_to_each_routers_own_limit() -> None:
    """Fail open as to the shared limit, never unlimited: with Redis unreachable each
    router counts in its own memory (docs/router-config.md)."""
    config = limited()
    config["traffic_shaping"]["redis"] = {"urls": ["redis://127.0.0.1:9/0"]}
    async with stack(config) as s:
        statuses = [(await s.router.post()).status_code for _ in range(N + 2)]
        assert statuses == [200] * N + [429, 429]
        answer = await s.router.post()
        assert answer.status_code == 429


async def test_allowed_operations_answer_as_usual() -> None:
    async with redis_prefix() as prefix, stack(limited(redis=prefix)) as s:
        answer = await s.router.post()
        assert answer.status_code == 200
        assert answer.json() == {"data": TOP_DATA}


async def test_subgraph_outbound_limit_refuses_the_fetch_beside_data() -> None:
    config = {
        "traffic_shaping": {
            "subgraphs": {"products": {"global_rate_limit": {"capacity": 3, "interval": "1h"}}}
        }
    }
    async with stack(config) as s:
        answers = [await s.router.post() for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        bodies = [a.json() for a in answers]
        assert [b.get("data") for b in bodies[:3]] == [TOP_DATA] * 3
        for body in bodies[3:]:
            assert body["data"] == {"topProducts": None}
            assert body["errors"][0]["extensions"]["code"] == REQUEST_RATE_LIMITED
        assert s.subgraph.requests == 3
        assert await s.router.metric("router_subgraph_rate_limited_total", subgraph="products") == 2


async def test_each_operation_of_a_batch_counts() -> None:
    config = limited(3)
    config["batching"] = {"enabled": True}
    async with stack(config) as s:
        operations = [{"query": "{ topProducts(first: 1) { upc name } }"}] * 5
        answer = await s.router.client.post("/graphql", json=operations)
        assert answer.status_code == 200
        bodies = answer.json()
        assert [b.get("data") for b in bodies].count(TOP_DATA) == 3
        refused = [b for b in bodies if "data" not in b]
        assert [b["errors"][0]["extensions"]["code"] for b in refused] == [REQUEST_RATE_LIMITED] * 2
        assert s.subgraph.requests == 3


async def test_operations_over_a_websocket_count_too() -> None:
    async with stack(limited(2)) as s:
        url = str(s.router.client.base_url).replace("http://", "ws://") + "/graphql"
        async with ws_client(url) as client:
            assert (await client.receive())["type"] == "connection_ack"
            for index in range(3):
                await client.subscribe(str(index), TOP, {})
                message = await client.receive()
                if index < 2:
                    assert message == {
                        "id": str(index),
                        "type": "next",
                        "payload": {"data": TOP_DATA},
                    }
                    assert (await client.receive())["type"] == "complete"
                else:
                    assert message["type"] == "error"
                    assert message["payload"][0]["extensions"]["code"] == REQUEST_RATE_LIMITED
        assert s.subgraph.requests == 2
