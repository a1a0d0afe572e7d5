"""What a write to the entity cache in Redis costs: the router's CPU and Redis's time
per entry (issue 18: the tag index bounded by a script per write).

    python -m bench.entity_cache_store [--entries 3000] [--batch 10] [--rounds 3]

RedisStore against the real Redis (127.0.0.1:6379, a namespace of its own, dropped
after each round): `--entries` entity entries (4 tags each, as a `Product` by `upc`
has), written `--batch` per put_many, as a cache miss's answer is. Reported per
entry: the router's CPU time, wall time, Redis's time in scripts (its commandstats,
the difference over the round: other clients' scripts, e.g. rate limiters, are
included) and the commands Redis ran (the scripts' own included).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time

import redis

from supergraph.executor.entity_cache import RedisStore
from supergraph.executor.entity_cache import keys as k
from supergraph.executor.entity_cache.store import Entry

URL = "redis://127.0.0.1:6379"


def entries(ns: str, count: int) -> list[Entry]:
    out = []
    for i in range(count):
        rep = {"__typename": "Product", "upc": str(i)}
        key = k.entity_key(ns, "products", "Product", rep, "sel")
        out.append(Entry(key, b'{"v":{"a":1}}', 60, k.entity_tags(ns, "products", "Product", rep)))
    return out


def redis_totals(client: redis.Redis) -> tuple[int, int]:
    """(microseconds in scripts, commands) so far. Each write is one script (EVALSHA),
    whose time holds its commands'; those are counted again on their own lines, so
    only the scripts' time is summed. Commands: every call, the scripts' included."""
    stats = client.info("commandstats")
    usec = sum(
        v["usec"] for name, v in stats.items() if name in ("cmdstat_evalsha", "cmdstat_eval")
    )
    return usec, sum(v["calls"] for v in stats.values())


async def one_round(count: int, batch: int, client: redis.Redis) -> dict[str, float]:
    ns = f"bench:store:{secrets.token_hex(4)}:"
    store = RedisStore(URL)
    written = entries(ns, count)
    before = redis_totals(client)
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, count, batch):
        await store.put_many(written[start : start + batch])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = redis_totals(client)
    await store.aclose()
    found = list(client.scan_iter(match=f"{ns}*", count=1000))
    if found:
        client.delete(*found)
    return {
        "router_cpu_us": cpu * 1e6 / count,
        "wall_us": wall * 1e6 / count,
        "redis_us": (after[0] - before[0]) / count,
        "commands": (after[1] - before[1]) / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    client = redis.Redis.from_url(URL)
    try:
        for n in range(args.rounds):
            row = asyncio.run(one_round(args.entries, args.batch, client))
            shown = "  ".join(f"{name} {value:.1f}" for name, value in row.items())
            print(f"round {n + 1}: per entry  {shown}", flush=True)
    finally:
        client.close()


if __name__ == "__main__":
    main()
