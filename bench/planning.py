"""Cold planning time: our planner against @apollo/query-planner, same supergraph and operations.

    python -m bench.planning [--iterations 15]

The large generated supergraph of the micro-benchmarks (216 entity types across
12 subgraphs, tests/benchmarks/generated.py) and the bundled one (schema.graphql
with the benchmark operations). Prints median and minimum milliseconds per plan;
each side plans from a freshly parsed document every time (no plan cache).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from graphql import parse

from bench.gateways import NODE, ROOT
from bench.operations import OPERATIONS
from bench.run import without_security
from supergraph.planner import build_query_plan
from supergraph.schema import load_supergraph
from tests.benchmarks import generated


def ours(sdl: str, operations: dict[str, str], iterations: int) -> dict[str, dict[str, float]]:
    supergraph = load_supergraph(sdl)
    results = {}
    for name, text in operations.items():
        times = []
        for _ in range(iterations):
            document = parse(text)
            start = time.perf_counter()
            build_query_plan(supergraph, document, None)
            times.append((time.perf_counter() - start) * 1000)
        results[name] = {"median_ms": statistics.median(times), "min_ms": min(times)}
    return results


def apollo(sdl: str, operations: dict[str, str], iterations: int) -> dict[str, dict[str, float]]:
    payload = json.dumps({"supergraph": sdl, "operations": operations, "iterations": iterations})
    out = subprocess.run(
        ["node", str(NODE / "plan-timing.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=NODE,
    ).stdout
    result: dict[str, dict[str, float]] = json.loads(out)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.planning", description=__doc__)
    parser.add_argument("--iterations", type=int, default=15)
    args = parser.parse_args(argv)
    cases = {
        "generated (216 types, 12 subgraphs)": (
            generated.supergraph_sdl(),
            {"chain_11_hops": generated.chain_query(), "wide_12_roots": generated.wide_query()},
        ),
        "bundled (schema.graphql)": (
            without_security((ROOT / "schema.graphql").read_text()),
            {op.key: op.query for op in OPERATIONS},
        ),
    }
    print(
        "| supergraph | operation | ours median ms | apollo median ms | ours min ms | apollo min ms | ours/apollo (median) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for title, (sdl, operations) in cases.items():
        mine = ours(sdl, operations, args.iterations)
        theirs = apollo(sdl, operations, args.iterations)
        for name in operations:
            a, b = mine[name], theirs[name]
            ratio = a["median_ms"] / b["median_ms"] if b["median_ms"] else float("nan")
            print(
                f"| {title} | {name} | {a['median_ms']:.2f} | {b['median_ms']:.2f}"
                f" | {a['min_ms']:.2f} | {b['min_ms']:.2f} | {ratio:.2f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
