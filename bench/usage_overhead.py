"""What usage reporting costs a request: CPU per cached request through `Router.execute`,
usage reporting off and on, interleaved rounds (issue 20).

    python -m bench.usage_overhead [--requests 20000] [--rounds 5]

In process, with a mock transport: only the pipeline's own work is measured (the
HTTP edge adds the same ClientIdentity tag when reporting is on, ~1 us). The
recorder flushes to a SQLite file in a temporary directory at the end (its flush
runs off the request path, on the loop's idle time, and is not timed).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from supergraph.executor.mock_transport import MockTransport
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import ClientIdentity, GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject
from supergraph.usage.recorder import UsageSettings
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL

QUERY = "query Top($n: Int) { topProducts(first: $n) { upc name } }"
PRODUCTS = [{"upc": str(i), "name": f"p{i}"} for i in range(5)]


def _answer(_subgraph: str, _request: object) -> JSONObject:
    return {"data": {"topProducts": PRODUCTS}}


async def _per_request(router: Router, request: GraphQLRequest, requests: int) -> float:
    answer = await router.execute(request)
    assert answer.kind == "ok"
    start = time.process_time()
    for _ in range(requests):
        await router.execute(request)
    return (time.process_time() - start) / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    supergraph = load_supergraph(SUPERGRAPH_SDL)
    with tempfile.TemporaryDirectory() as tmp:
        usage = UsageSettings(store=f"sqlite:///{Path(tmp) / 'usage.db'}", flush_interval=3600)
        off = Router(supergraph, MockTransport(_answer), RouterOptions())
        on = Router(supergraph, MockTransport(_answer), RouterOptions(usage=usage))
        plain = GraphQLRequest(QUERY, variables={"n": 5})
        tagged = dataclasses.replace(plain, client=ClientIdentity("web", "1.0"))
        times: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(rounds):
            times["off"].append(await _per_request(off, plain, requests))
            times["on"].append(await _per_request(on, tagged, requests))
        assert on.usage is not None
        recorded = on.usage.recorded
        await off.aclose()
        await on.aclose()
    for name, values in times.items():
        print(
            f"usage {name:>3}: best {min(values):.1f} us, median {statistics.median(values):.1f} us"
            f" per request ({rounds} rounds x {requests})"
        )
    print(f"requests recorded with usage on: {recorded}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
