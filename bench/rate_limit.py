"""What the router's rate limit costs a request: the edge's check in memory and in Redis,
beside the cost of the request itself, interleaved rounds (issue 18).

    python -m bench.rate_limit [--requests 5000] [--rounds 5] [--redis redis://127.0.0.1:6379/0]

In process. `request`: one cached operation through `Router.execute` with a mock
transport (the pipeline's own work, no HTTP). `memory`, `redis`: one
`EdgeRateLimit.check` (GCRA in this process / the Lua script in Redis), keyed by
client name, with a capacity never reached: the allowed path, which is the refused
path's cost too. Redis is timed by wall clock (its cost is the round trip: time the
loop waits, free for other requests) sequentially (c=1) and with 32 checks in flight
(c=32: per check, pipelined over the connection pool); the rest by CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from supergraph.executor.mock_transport import MockTransport
from supergraph.http.rate_limit import EdgeRateLimit
from supergraph.http.request import RequestHeaders
from supergraph.pipeline.decode import decode
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.pipeline.traffic import RateLimit, RouterRateLimit, limiter
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL

QUERY = "query Top($n: Int) { topProducts(first: $n) { upc name } }"
PRODUCTS = [{"upc": str(i), "name": f"p{i}"} for i in range(5)]
NEVER = RateLimit(2**31 - 1, 1.0)


def _answer(_subgraph: str, _request: object) -> JSONObject:
    return {"data": {"topProducts": PRODUCTS}}


async def _cpu_per_call(call: Callable[[], Awaitable[object]], requests: int) -> float:
    await call()
    start = time.process_time()
    for _ in range(requests):
        await call()
    return (time.process_time() - start) / requests * 1e6


async def _wall_per_call(
    call: Callable[[], Awaitable[object]], requests: int, concurrency: int
) -> float:
    await call()

    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    start = time.perf_counter()
    await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))
    return (time.perf_counter() - start) / (requests // concurrency * concurrency) * 1e6


async def main(requests: int, rounds: int, redis_url: str) -> None:
    router = Router(load_supergraph(SUPERGRAPH_SDL), MockTransport(_answer), RouterOptions())
    request = GraphQLRequest(QUERY, variables={"n": 5})
    headers = RequestHeaders({"apollographql-client-name": "web"})
    headers.peer, headers.raw = "127.0.0.1", []
    decoded = decode({"query": QUERY, "variables": {"n": 5}})
    prefix = f"bench:rate:{uuid.uuid4().hex}:"
    memory = EdgeRateLimit(RouterRateLimit(limiter(None), NEVER), "client_name")
    shared = EdgeRateLimit(RouterRateLimit(limiter(redis_url, prefix), NEVER), "client_name")
    times: dict[str, list[float]] = {
        "request (CPU)": [],
        "memory check (CPU)": [],
        "redis check c=1 (wall)": [],
        "redis check c=32 (wall)": [],
        "redis check (CPU)": [],
    }
    try:
        for _ in range(rounds):
            times["request (CPU)"].append(
                await _cpu_per_call(lambda: router.execute(request), requests)
            )
            times["memory check (CPU)"].append(
                await _cpu_per_call(lambda: memory.check(headers, decoded, request), requests)
            )
            times["redis check (CPU)"].append(
                await _cpu_per_call(lambda: shared.check(headers, decoded, request), requests)
            )
            for concurrency in (1, 32):
                times[f"redis check c={concurrency} (wall)"].append(
                    await _wall_per_call(
                        lambda: shared.check(headers, decoded, request), requests, concurrency
                    )
                )
        assert memory.limit.refused == shared.limit.refused == 0
    finally:
        await shared.limit.limiter.aclose()
        await router.aclose()
        redis = Redis.from_url(redis_url)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    base = statistics.median(times["request (CPU)"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:>24}: median {median:7.1f} us, best {min(values):7.1f} us"
            f"  ({median / base:.2f} x a request's CPU)  [{rounds} rounds x {requests}]"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds, args.redis))
