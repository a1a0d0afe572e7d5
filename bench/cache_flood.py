"""Memory a router keeps for distinct operations with a large string argument (issue 12).

    .venv/bin/python -m bench.cache_flood [--checkout PATH ...] [--operations 150]
                                          [--size 1500000] [--config router.yaml]

Seeds and serves the five bundled subgraphs (SQLite, on free ports), then, for
each checkout (default: this one), starts `supergraph serve` from that tree
(PYTHONPATH, the same interpreter) on the bundled supergraph with the default
configuration (or `--config`) and sends it `--operations` distinct operations
`{ search(text: "<N>xxx...", first: 1) { __typename } }` of `--size` bytes each,
one after another. It prints the router's RSS (VmRSS) before and after, and the
caches' own accounting from /metrics where the checkout reports it
(`router_cache_bytes`, `router_cache_entries`). Compare a fresh checkout of main
(`--checkout /path/to/main`) with this branch.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson

from bench import procs
from bench.run import SUBGRAPHS, write_supergraph
from tests.e2e.system import parse_metrics

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[cache_flood {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def start_subgraphs(workdir: Path) -> dict[str, int]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "SUBGRAPHS_DATA_DIR": str(workdir / "data"),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "subgraphs", "seed", "--scale", "2"],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    ports = {name: procs.free_port() for name in SUBGRAPHS}
    started = []
    for name, port in ports.items():
        log_path = workdir / "logs" / f"subgraph-{name}.log"
        argv = [sys.executable, "-m", "subgraphs", "serve", name, "--port", str(port)]
        started.append((procs.start(argv, log_path, env=env, cwd=ROOT), port, log_path))
    for process, port, log_path in started:
        procs.wait_until(process, f"http://127.0.0.1:{port}/health", log_path, post=False)
    return ports


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cache_gauges(base: str) -> dict[str, float]:
    with urllib.request.urlopen(f"{base}/metrics", timeout=30) as response:
        samples = parse_metrics(response.read().decode())
    out: dict[str, float] = {}
    for (name, labels), value in samples.items():
        if name in ("router_cache_bytes", "router_cache_entries"):
            out[f"{name}{{{','.join(f'{k}={v}' for k, v in labels)}}}"] = value
    return out


def flood(checkout: Path, supergraph: Path, workdir: Path, args: argparse.Namespace) -> None:
    port = procs.free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "supergraph", "serve", "--supergraph", str(supergraph)]
    argv += ["--port", str(port)]
    if args.config:
        argv += ["--config", str(args.config)]
    log_path = workdir / "logs" / f"router-{checkout.name}.log"
    router = procs.start(argv, log_path, env={"PYTHONPATH": str(checkout)}, cwd=checkout)
    try:
        procs.wait_until(router, f"{base}/graphql", log_path, post=True)
        before = rss_mib(router.pid)
        started = time.monotonic()
        for index in range(args.operations):
            text = f"{index:07d}" + "x" * (args.size - 7)
            body = orjson.dumps(
                {"query": f'{{ search(text: "{text}", first: 1) {{ __typename }} }}'}
            )
            request = urllib.request.Request(
                f"{base}/graphql", body, {"content-type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
            if (index + 1) % 25 == 0:
                log(f"{checkout}: {index + 1} operations, RSS {rss_mib(router.pid):.0f} MiB")
        after = rss_mib(router.pid)
        print(f"checkout {checkout}")
        print(
            f"  operations: {args.operations} x {args.size:,} bytes in {time.monotonic() - started:.0f} s"
        )
        print(
            f"  RSS: {before:.0f} MiB -> {after:.0f} MiB (peak {procs.peak_rss_mb(router.pid):.0f} MiB)"
        )
        gauges = cache_gauges(base)
        for name, value in sorted(gauges.items()):
            print(f"  {name} {value:,.0f}")
        if not gauges:
            print("  (no router_cache_bytes in /metrics)")
    finally:
        procs.stop(router)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache_flood", description=__doc__)
    parser.add_argument("--checkout", type=Path, action="append")
    parser.add_argument("--operations", type=int, default=150)
    parser.add_argument("--size", type=int, default=1_500_000)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C: the subgraphs and routers are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="cache-flood-") as folder:
        workdir = Path(folder)
        try:
            ports = start_subgraphs(workdir)
            supergraph = write_supergraph(workdir, "real", ports)
            for checkout in args.checkout or [ROOT]:
                flood(checkout.resolve(), supergraph, workdir, args)
        finally:
            procs.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
