"""Router memory with the large generated supergraph loaded and the caches full.

    .venv/bin/python -m bench.memory [--operations 2000]

Issue 7's memory target is per worker "with the large supergraph loaded and the
plan cache full". This builds the router the way `supergraph serve` does (the
216-type, 12-subgraph supergraph of tests/benchmarks/generated.py, default
cache sizes), then sends it as many distinct operations as its document and
plan caches hold (chains of 1 to 11 entity hops and wide multi-root queries,
each with its own aliases, so every one is parsed, validated and planned),
executed against an in-process transport that answers every fetch. It prints
the resident set size after loading and after filling the caches, and the
peak (VmHWM), in MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
from pathlib import Path

import supergraph.http.server  # noqa: F401  (the serving stack's modules count too)
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.pipeline import GraphQLRequest, Router, RouterOptions
from supergraph.schema import load_supergraph
from tests.benchmarks import generated


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def operations(count: int) -> list[str]:
    """`count` distinct operations: chains of varying length and wide queries, aliased."""
    result: list[str] = []
    wide_body = generated.wide_query().split("{", 1)[1].rsplit("}", 1)[0]
    for n in range(count):
        if n % 5 == 4:
            body = re.sub(r"\b(s\d+): ", rf"o{n}_\1: ", wide_body)
            result.append(f"query Wide{n} {{ {body} }}")
        else:
            chain = generated.chain_query(hops=1 + n % (generated.SUBGRAPHS - 1))
            result.append(chain.replace("query Chain {", f"query Chain{n} {{ a{n}:", 1))
    return result


async def fill(router: Router, texts: list[str]) -> int:
    failures = 0
    for text in texts:
        response = await router.execute(GraphQLRequest(text, None))
        if "errors" in response.body and response.body.get("data") is None:
            failures += 1
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    options = RouterOptions()
    parser.add_argument("--operations", type=int, default=options.plan_cache_size)
    args = parser.parse_args()
    baseline = _status_mb("VmRSS")
    supergraph = load_supergraph(generated.supergraph_sdl())
    router = Router(supergraph, MockTransport(lambda *_: {"data": {}}), options)
    gc.collect()
    loaded = _status_mb("VmRSS")
    texts = operations(args.operations)
    failures = asyncio.run(fill(router, texts))
    gc.collect()
    full = _status_mb("VmRSS")
    print(
        f"types in the supergraph: {len(supergraph.types)}, subgraphs: {len(supergraph.subgraphs)}"
    )
    print(f"operations sent: {len(texts)} (request errors: {failures})")
    print(f"plan cache: {len(router.plans)} / {options.plan_cache_size} entries")
    print(f"document cache: {len(router.documents)} / {options.document_cache_size} entries")
    print(f"RSS before loading: {baseline:.0f} MB")
    print(f"RSS with the supergraph loaded: {loaded:.0f} MB")
    print(f"RSS with the caches full: {full:.0f} MB (peak {_status_mb('VmHWM'):.0f} MB)")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
