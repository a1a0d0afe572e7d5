"""Inbound de-duplication end to end: identical client queries in flight share one execution.

The stub subgraph holds every request until the test opens its gate, so "N
identical operations at once" is exact: the test waits until the router has joined
N-1 of them to the first (its metrics say so) or until N requests reached the
subgraph, then lets the answers go. The subgraph-level de-duplicator is off, so
one subgraph request means one execution.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .stack import TOP, TOP_DATA, Router, stack

N = 5
METRIC = "router_inbound_deduplicated_requests_total"


def config(inbound: bool | None = True) -> dict[str, Any]:
    shaping: dict[str, Any] = {"all": {"deduplicate_query": False}}
    if inbound is not None:
        shaping["router"] = {"deduplicate_query": inbound}
    return {
        "traffic_shaping": shaping,
        "headers": {"all": {"request": [{"propagate": {"named": "authorization"}}]}},
    }


async def until_joined(router: Router, count: int) -> None:
    async with asyncio.timeout(30):
        while True:
            if await router.metric(METRIC) >= count:
                return
            await asyncio.sleep(0.005)


async def test_identical_concurrent_queries_cost_one_subgraph_request() -> None:
    async with stack(config()) as s:
        s.subgraph.gate = asyncio.Event()
        calls = [asyncio.create_task(s.router.post()) for _ in range(N)]
        await until_joined(s.router, N - 1)
        s.subgraph.gate.set()
        answers = await asyncio.gather(*calls)
        assert [a.json() for a in answers] == [{"data": TOP_DATA}] * N
        assert s.subgraph.requests == 1
        assert await s.router.metric(METRIC) == N - 1


async def test_each_client_gets_its_own_copy() -> None:
    async with stack(config()) as s:
        s.subgraph.gate = asyncio.Event()
        calls = [asyncio.create_task(s.router.post(TOP, {})) for _ in range(2)]
        await until_joined(s.router, 1)
        s.subgraph.gate.set()
        first, second = [a.json() for a in await asyncio.gather(*calls)]
        assert first == second == {"data": TOP_DATA}


async def test_followers_get_the_cache_control_of_what_the_leaders_answer_used() -> None:
    cache = {"response_cache": {"enabled": True, "subgraph": {"all": {"ttl": "60s"}}}}
    async with stack({**config(), **cache}) as s:
        s.subgraph.cache_control = "public, max-age=17"
        s.subgraph.gate = asyncio.Event()
        calls = [asyncio.create_task(s.router.post()) for _ in range(N)]
        await until_joined(s.router, N - 1)
        s.subgraph.gate.set()
        answers = await asyncio.gather(*calls)
        assert s.subgraph.requests == 1
        assert [a.json() for a in answers] == [{"data": TOP_DATA}] * N
        # Only the leader's execution saw the subgraph's header; every follower carries it.
        assert [a.headers.get("cache-control") for a in answers] == ["max-age=17,public"] * N


async def test_private_requests_are_not_merged() -> None:
    async with stack(config()) as s:
        s.subgraph.gate = asyncio.Event()
        # The same token for all: still the caller's own answer, never shared.
        calls = [asyncio.create_task(s.router.post(authorization="Bearer same")) for _ in range(N)]
        await s.subgraph.until_received(N)
        s.subgraph.gate.set()
        answers = await asyncio.gather(*calls)
        assert [a.json() for a in answers] == [{"data": TOP_DATA}] * N
        assert s.subgraph.requests == N
        assert await s.router.metric(METRIC) == 0


async def test_mutations_and_different_variables_are_not_merged() -> None:
    async with stack(config()) as s:
        s.subgraph.gate = asyncio.Event()
        mutation = 'mutation { addProduct(name: "x") { upc } }'
        by_variables = "query Top($n: Int) { topProducts(first: $n) { upc name } }"
        calls = [asyncio.create_task(s.router.post(mutation)) for _ in range(3)]
        calls += [asyncio.create_task(s.router.post(by_variables, {"n": n})) for n in (1, 2)]
        await s.subgraph.until_received(5)
        s.subgraph.gate.set()
        await asyncio.gather(*calls)
        assert s.subgraph.requests == 5
        assert await s.router.metric(METRIC) == 0


async def test_off_by_default() -> None:
    async with stack(config(inbound=None)) as s:
        s.subgraph.gate = asyncio.Event()
        calls = [asyncio.create_task(s.router.post()) for _ in range(N)]
        await s.subgraph.until_received(N)
        s.subgraph.gate.set()
        await asyncio.gather(*calls)
        assert s.subgraph.requests == N
