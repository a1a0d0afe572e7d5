"""@defer's latency win: time to the first part vs time to the whole answer, for an
operation whose deferred part waits on a slow subgraph.

    .venv/bin/python -m bench.defer [--delay 0.3] [--requests 30]

Starts the three subgraphs of tests/defer (products; reviews; inventory, which
takes `--delay` seconds per answer) in this process and our router as its own
process (`supergraph serve`, default settings), then sends, one after another,
`--requests` times each:

- the deferred query (`inStock`, from inventory, under `@defer`) with
  `Accept: multipart/mixed;deferSpec=20220824`, timing the first part and the last;
- the same query without `@defer` (application/json), timing the whole answer.

Prints the medians and p90s, and first part / whole answer as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.served_router import served_router
from supergraph.compose import SubgraphSource, compose
from tests.defer.stack import DEFER_ACCEPT, multipart_parts
from tests.defer.stubs import (
    Control,
    inventory_schema,
    products_schema,
    reviews_schema,
    subgraph_app,
)
from tests.http.loopback import serve
from tests.subscriptions.stack import sdl_of

DEFERRED = """query { products { upc name price reviews { stars }
  ... @defer(label: "stock") { inStock } } }"""
WHOLE = """query { products { upc name price reviews { stars } inStock } }"""


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p90_ms": round(1000 * ordered[int(0.9 * (len(ordered) - 1))], 1),
    }


async def run(delay: float, requests: int) -> dict[str, Any]:
    control = Control(delay=delay)
    async with AsyncExitStack() as exits:
        sources = []
        for name, schema in (
            ("products", products_schema()),
            ("reviews", reviews_schema()),
            ("inventory", inventory_schema(control)),
        ):
            url = await exits.enter_async_context(serve(subgraph_app(name, schema, control)))
            sources.append(SubgraphSource(name, f"{url}/graphql", sdl_of(schema)))
        sdl = compose(sources).supergraph_sdl
        assert sdl is not None
        folder = Path(tempfile.mkdtemp(prefix="bench-defer-"))
        (folder / "supergraph.graphql").write_text(sdl)
        base, _ = await served_router(exits, folder)
        first: list[float] = []
        last: list[float] = []
        whole: list[float] = []
        async with httpx.AsyncClient(timeout=60) as http:
            url = f"{base}/graphql"
            for index in range(requests + 2):  # the first two warm the caches
                started = time.perf_counter()
                async with http.stream(
                    "POST", url, json={"query": DEFERRED}, headers={"accept": DEFER_ACCEPT}
                ) as response:
                    times = []
                    async for _part in multipart_parts(response):
                        times.append(time.perf_counter() - started)
                started = time.perf_counter()
                answer = await http.post(url, json={"query": WHOLE})
                took = time.perf_counter() - started
                assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
                assert len(times) == 2, times
                if index >= 2:
                    first.append(times[0])
                    last.append(times[-1])
                    whole.append(took)
    result = {
        "inventory_delay_ms": round(1000 * delay),
        "requests": requests,
        "deferred_first_part": _summary(first),
        "deferred_last_part": _summary(last),
        "undeferred_whole": _summary(whole),
    }
    result["first_part_over_whole_p50"] = round(
        statistics.median(first) / statistics.median(whole), 3
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.delay, args.requests)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
