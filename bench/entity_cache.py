"""Throughput and subgraph load with the entity cache off and on, for a read-heavy mix
(issue 18).

    python -m bench.entity_cache [--requests 600] [--concurrency 8] [--rounds 2]

The bundled system in this process (tests/e2e/system.py: the five real subgraphs on
seeded SQLite, the router over real HTTP on loopback), two routers side by side on
it: one without the cache, one with `response_cache` in the real Redis
(127.0.0.1:6379, a namespace of its own, dropped at the end). Rounds interleave
them. The mix: product pages (one product, its rating and stock, Zipf-like
popularity over the 20 products), review feeds and catalogue pages, all reads
(a write's effect on the cache is the event-driven invalidation the e2e tests
show). Reported per router: requests per second (wall clock; everything shares
this process's interpreter, so compare the ratio, not the absolute), and per
client request the subgraph requests and SQL statements (counted at the
subgraphs), and the ratio on/off.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis

from tests.e2e.system import System

PRODUCT = """
query Product($upc: String!) {
  product(upc: $upc) { upc name price { amount currency } averageRating inStock quantity }
}
"""
FEED = "query Feed($n: Int!) { latestReviews(first: $n) { id rating product { upc name } } }"
CATALOGUE = """
query Catalogue($n: Int!) {
  products(first: $n) { edges { node { upc name averageRating inStock } } }
}
"""
REDIS_URL = "redis://127.0.0.1:6379"


def mix(count: int, upcs: list[str], seed: int) -> list[dict[str, Any]]:
    """80% product pages (skewed: popular products first), 10% feeds, 10% catalogue pages."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(upcs))]
    bodies: list[dict[str, Any]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.8:
            upc = rng.choices(upcs, weights)[0]
            bodies.append({"query": PRODUCT, "variables": {"upc": upc}})
        elif roll < 0.9:
            bodies.append({"query": FEED, "variables": {"n": rng.choice([5, 10])}})
        else:
            bodies.append({"query": CATALOGUE, "variables": {"n": rng.choice([5, 10, 20])}})
    return bodies


async def drive(url: str, bodies: list[dict[str, Any]], concurrency: int) -> float:
    """Seconds to send every body, `concurrency` at a time; every answer must be clean."""
    queue = list(reversed(bodies))
    async with httpx.AsyncClient(timeout=60) as client:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                response = await client.post(f"{url}/graphql", json=body)
                answer = response.json()
                assert response.status_code == 200 and "errors" not in answer, answer

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def main(requests: int, concurrency: int, rounds: int) -> None:
    namespace = f"bench:{secrets.token_hex(6)}:"
    with tempfile.TemporaryDirectory() as tmp:
        system = System.start(Path(tmp))
        try:
            cache = {
                "response_cache": {
                    "enabled": True,
                    "subgraph": {"all": {"redis": {"urls": [REDIS_URL], "namespace": namespace}}},
                }
            }
            routers = {"off": system.router_url, "on": system.start_router(extra=cache)}
            upcs = [row[0] for row in system.rows("products", "SELECT upc FROM products")]
            results: dict[str, dict[str, list[float]]] = {
                name: {"rps": [], "requests": [], "statements": []} for name in routers
            }
            for round_number in range(rounds):
                bodies = mix(requests, upcs, seed=round_number)
                for name, url in routers.items():
                    with system.measure() as load:
                        seconds = asyncio.run(drive(url, bodies, concurrency))
                    results[name]["rps"].append(requests / seconds)
                    results[name]["requests"].append(sum(load.requests.values()) / requests)
                    results[name]["statements"].append(sum(load.statements.values()) / requests)
        finally:
            system.stop()
            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()
    report(results, requests, concurrency, rounds)


def report(results: dict[str, dict[str, list[float]]], requests: int, c: int, rounds: int) -> None:
    print(f"entity cache, read-heavy mix: {rounds} rounds x {requests} requests, c={c}")
    print(f"{'cache':>6} {'req/s':>8} {'subgraph req/op':>16} {'SQL stmts/op':>13}")
    medians: dict[str, dict[str, float]] = {}
    for name, values in results.items():
        medians[name] = {key: statistics.median(v) for key, v in values.items()}
        m = medians[name]
        print(f"{name:>6} {m['rps']:>8.1f} {m['requests']:>16.2f} {m['statements']:>13.2f}")
    on, off = medians["on"], medians["off"]
    print(
        f"ratio on/off: throughput x{on['rps'] / off['rps']:.2f}, subgraph requests"
        f" x{on['requests'] / off['requests']:.3f}, SQL statements"
        f" x{on['statements'] / off['statements']:.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    main(args.requests, args.concurrency, args.rounds)
