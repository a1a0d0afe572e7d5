"""Two checkouts of our router side by side: which change bought what, under load.

    python -m bench.ab --trees /tmp/before,. [--operations wide_list,small_join]
                       [--build compiled|pure] [--rounds 4] [--duration 6] [--warmup 2]
                       [--concurrency 32]

The instruction counts of `bench.profile --callgrind` send one request at a time, so
they cannot see what only concurrency brings about (de-duplicated subgraph fetches,
batching per loop turn). This serves each tree's router (`python -m supergraph
serve` with the tree first on PYTHONPATH; `--build compiled` loads the tree's own
`make compiled` build) on the same stub subgraphs the side-by-side benchmark uses,
and drives each with wrk in turn, the order alternating each round, reading the
router's CPU time from /proc around each measured run. A tree is a directory holding
a checkout (`git worktree add /tmp/before <rev>`); this project's .venv runs both.

Prints each cell and the medians, and writes bench/results/<stamp>-ab.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import procs
from bench.gateways import BENCH, ROUTER_YAML, VENV_BIN
from bench.operations import OPERATIONS
from bench.run import (
    log,
    prime_mutation,
    seed,
    start_stubs,
    start_subgraphs,
    write_requests,
    write_supergraph,
    wrk,
)


@dataclass(slots=True)
class Tree:
    path: Path
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    cells: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    """operation -> (req/s, CPU ms per request) per round."""


def _serve(tree: Tree, supergraph: Path, config: Path, build: str, logs: Path) -> None:
    env = {"PYTHONPATH": str(tree.path)}
    if build == "pure":
        env["SUPERGRAPH_PURE_PYTHON"] = "1"
    else:
        env["SUPERGRAPH_PURE_PYTHON"] = ""
        env["SUPERGRAPH_COMPILED_DIR"] = str(tree.path / "supergraph" / "_compiled")
    port = procs.free_port()
    argv = [str(VENV_BIN / "python"), "-m", "supergraph", "serve"]
    argv += ["--supergraph", str(supergraph), "--config", str(config), "--port", str(port)]
    log_path = logs / f"router-{len(list(logs.glob('router-*.log')))}.log"
    process = procs.start(argv, log_path, env=env, cwd=tree.path)
    tree.url = f"http://127.0.0.1:{port}/graphql"
    tree.process = process
    procs.wait_until(process, tree.url, log_path, post=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("--trees", required=True, help="two checkouts, comma-separated")
    parser.add_argument("--operations", default="wide_list,small_join")
    parser.add_argument("--build", choices=("compiled", "pure"), default="compiled")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    trees = [Tree(Path(part).resolve()) for part in args.trees.split(",") if part]
    if len(trees) != 2 or len({t.path for t in trees}) != 2:
        parser.error("--trees: two different checkouts")
    known = {op.key: op for op in OPERATIONS}
    unknown = [key for key in args.operations.split(",") if key not in known]
    if unknown:
        parser.error(f"unknown operation {unknown[0]!r} (known: {', '.join(sorted(known))})")
    operations = [known[key] for key in args.operations.split(",")]
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    workdir = BENCH / "results" / "tmp" / f"{stamp}-ab"
    workdir.mkdir(parents=True)
    try:
        real = start_subgraphs(workdir, seed(workdir, 10))
        prime_mutation(real)
        supergraph = write_supergraph(workdir, "stub", start_stubs(workdir, real))
        config = workdir / "router.yaml"
        config.write_text(ROUTER_YAML)
        for tree in trees:
            _serve(tree, supergraph, config, args.build, workdir / "logs")
        for rnd in range(args.rounds):
            order = trees if rnd % 2 == 0 else trees[::-1]
            for op in operations:
                body, users = write_requests(workdir, op.key, "same", op.requests("same"))
                for tree in order:
                    assert tree.process is not None
                    pid = tree.process.pid
                    wrk(tree.url, body, args.concurrency, args.warmup, users_file=users)
                    procs.settle(pid)
                    cpu = procs.cpu_seconds(pid)
                    result = wrk(tree.url, body, args.concurrency, args.duration, users_file=users)
                    cpu = procs.cpu_seconds(pid) - cpu
                    requests = int(str(result["requests"]))
                    rps = requests / (int(str(result["duration_us"])) / 1e6)
                    ms = 1000 * cpu / requests
                    tree.cells.setdefault(op.key, []).append((rps, ms))
                    log(f"r{rnd + 1} {op.key} {tree.path}: {rps:,.1f} req/s, {ms:.4f} ms CPU")
    finally:
        procs.stop_all()
    by_tree: dict[str, dict[str, dict[str, object]]] = {}
    for tree in trees:
        medians = {
            key: {
                "rps": round(statistics.median(c[0] for c in cells), 1),
                "cpu_ms_per_request": round(statistics.median(c[1] for c in cells), 4),
                "rounds": [[round(rps, 1), round(ms, 4)] for rps, ms in cells],
            }
            for key, cells in tree.cells.items()
        }
        by_tree[str(tree.path)] = medians
        for key, cell in medians.items():
            print(
                f"{key:12} {tree.path}: median {cell['rps']:,} req/s,"
                f" {cell['cpu_ms_per_request']} ms CPU per request"
            )
    out = BENCH / "results" / f"{stamp}-ab.json"
    summary = {"settings": vars(args), "trees": by_tree}
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
