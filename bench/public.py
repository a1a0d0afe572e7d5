"""The public gateway benchmark's workload, side by side: `python -m bench.public`.

graphql-hive/graphql-gateways-benchmark ("constant-vus-over-time") sends one
query (users > reviews > product > reviews > author > reviews > product, and
topProducts > reviews > author > reviews > product; about 87 KB of answer) at 50
constant virtual users for 60 s through each gateway, in front of four Rust
subgraphs with a few constant rows. Here: the same schema and rows served by our
own subgraphs (bench/public_subgraphs.py), the replaying stubs (bench/stub.py) in
front of them as in `python -m bench`, the supergraph composed by our composer,
and wrk at constant concurrency (`--concurrency 50`). Every gateway's answer must
be identical (key order included) before anything is timed; then rounds of
(ours, ours-w2, hive-rust, grafbase ...), each gateway started fresh, give the
median requests/s, p50/p99 and the gateway's CPU milliseconds per request.
bench/README.md ("The public benchmark's workload") says how to read the numbers
against the published table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import procs
from bench.gateways import BENCH, GATEWAYS, ROOT, VENV_BIN
from bench.public_subgraphs import MODULES
from bench.run import (
    Cell,
    Running,
    canonical,
    cell,
    check_tools,
    log,
    start_stubs,
    stub_misses,
    sum_metric,
    wrk,
)
from supergraph.cli.compose import module_sdl
from supergraph.compose import SubgraphSource, compose

GATEWAYS_DEFAULT = "ours,ours-w2,hive-rust,grafbase"

QUERY = """\
fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
"""
"""The benchmark's query (k6.js), the same selections and fragments."""

BODY = {"query": QUERY}


@dataclass
class Settings:
    gateways: list[str]
    concurrency: int
    duration: float
    warmup: float
    rounds: int


def start_subgraphs(workdir: Path) -> dict[str, int]:
    ports = {name: procs.free_port() for name in MODULES}
    argv = [str(VENV_BIN / "python"), "-m", "bench.public_subgraphs"]
    for name, port in ports.items():
        argv += ["--listen", f"{name}={port}"]
    log_path = workdir / "logs" / "public-subgraphs.log"
    process = procs.start(argv, log_path, cwd=ROOT)
    for port in ports.values():
        procs.wait_until(process, f"http://127.0.0.1:{port}/health", log_path, post=False)
    log(f"public subgraphs up: {ports}")
    return ports


def write_supergraph(workdir: Path, ports: dict[str, int]) -> Path:
    """Composed by our composer from the subgraphs' SDL, routing to `ports` (the stubs)."""
    sources = [
        SubgraphSource(name, f"http://127.0.0.1:{ports[name]}/graphql", module_sdl(name, where))
        for name, where in MODULES.items()
    ]
    result = compose(sources)
    if result.errors or result.supergraph_sdl is None:
        raise RuntimeError(f"composition failed: {result.errors}")
    path = workdir / "supergraph-public.graphql"
    path.write_text(result.supergraph_sdl)
    return path


def stub_requests(ports: dict[str, int]) -> float:
    first = next(iter(ports.values()))
    return sum(sum_metric(f"http://127.0.0.1:{first}/metrics", "stub_requests_total").values())


def check(
    settings: Settings, supergraph: Path, stubs: dict[str, int], workdir: Path
) -> tuple[list[str], dict[str, dict[str, float]]]:
    """Each gateway's answer (identical to the first's, no errors), its size and the
    subgraph requests it makes per request (the stubs' counters, 3 requests)."""
    answers: dict[str, str] = {}
    facts: dict[str, dict[str, float]] = {}
    for key in settings.gateways:
        running = Running(GATEWAYS[key], supergraph, workdir, "public-check", MODULES)
        try:
            procs.post_json(running.url, BODY)  # records the stubs, warms caches
            status, raw = procs.post_json(running.url, BODY)
            answers[key] = f"{status} {canonical(raw)}"
            before = stub_requests(stubs)
            for _ in range(3):
                procs.post_json(running.url, BODY)
            facts[key] = {
                "answer_bytes": len(raw),
                "subgraph_requests": round((stub_requests(stubs) - before) / 3, 2),
            }
            log(f"check {key:9} {status} {len(raw)} bytes, {facts[key]}")
        finally:
            running.stop()
    (workdir / "answers-public.json").write_text(json.dumps(answers, indent=1))
    reference_key = settings.gateways[0]
    reference = answers[reference_key]
    problems = []
    if not reference.startswith("200 ") or '"errors"' in reference:
        problems.append(f"{reference_key} answered {reference[:300]}")
    for key, answer in answers.items():
        if answer != reference:
            at = next(
                (i for i, (a, b) in enumerate(zip(reference, answer, strict=False)) if a != b),
                min(len(reference), len(answer)),
            )
            problems.append(
                f"{key} differs from {reference_key} at character {at}:"
                f" ...{reference[max(0, at - 80) : at + 80]}"
                f" / ...{answer[max(0, at - 80) : at + 80]}"
            )
    return problems, facts


def measure(
    settings: Settings, supergraph: Path, stubs: dict[str, int], workdir: Path, rnd: int
) -> list[Cell]:
    body_file = workdir / "body-public.json"
    body_file.write_text(json.dumps(BODY) + "\n")
    cells = []
    for key in settings.gateways:
        running = Running(GATEWAYS[key], supergraph, workdir, f"public-r{rnd}", MODULES)
        try:
            if settings.warmup > 0:
                wrk(running.url, body_file, settings.concurrency, settings.warmup)
            procs.settle(running.pid)
            misses = stub_misses("stub", stubs)
            cpu = procs.cpu_seconds(running.pid)
            result = wrk(running.url, body_file, settings.concurrency, settings.duration)
            cpu = procs.cpu_seconds(running.pid) - cpu
            procs.settle(running.pid)
            one = cell("stub", key, "public", settings.concurrency, rnd, result, cpu)
            one.stub_misses = int(stub_misses("stub", stubs) - misses)
            cells.append(one)
            log(
                f"public r{rnd} {key:9} c={settings.concurrency} {one.rps:8.1f} req/s"
                f" p50 {one.p50_ms:7.2f} ms p99 {one.p99_ms:7.2f} ms"
                f" cpu {one.cpu_s_per_1k:6.2f} ms/req"
                + (f" ERRORS {one.errors}" if one.errors else "")
            )
        finally:
            running.stop()
    return cells


def summarize(settings: Settings, cells: Sequence[Cell]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key in settings.gateways:
        mine = [c for c in cells if c.gateway == key]
        if not mine:
            continue
        rows.append(
            {
                "gateway": key,
                "rounds": len(mine),
                "rps": round(statistics.median(c.rps for c in mine), 1),
                "p50_ms": round(statistics.median(c.p50_ms for c in mine), 2),
                "p99_ms": round(statistics.median(c.p99_ms for c in mine), 2),
                "cpu_ms_per_request": round(statistics.median(c.cpu_s_per_1k for c in mine), 3),
                "errors": sum(c.errors for c in mine),
                "stub_misses": sum(c.stub_misses for c in mine),
            }
        )
    ours = next((r for r in rows if r["gateway"] == "ours"), None)
    for row in rows:
        if ours is not None and row is not ours:
            rps, mine_rps = row["rps"], ours["rps"]
            assert isinstance(rps, float) and isinstance(mine_rps, float)
            row["ours_over_this_rps"] = round(mine_rps / rps, 2) if rps else None
    return rows


def render(rows: Sequence[dict[str, object]], facts: dict[str, dict[str, float]]) -> str:
    lines = [
        "| gateway | req/s | p50 ms | p99 ms | CPU ms/req | ours/this req/s"
        " | subgraph requests | answer bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        key = str(row["gateway"])
        fact = facts.get(key, {})
        lines.append(
            f"| {key} | {row['rps']} | {row['p50_ms']} | {row['p99_ms']}"
            f" | {row['cpu_ms_per_request']} | {row.get('ours_over_this_rps', '')}"
            f" | {fact.get('subgraph_requests', '')} | {fact.get('answer_bytes', '')} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m bench.public", description=__doc__)
    parser.add_argument("--gateways", default=GATEWAYS_DEFAULT)
    parser.add_argument("--concurrency", type=int, default=50, help="constant (their 50 VUs)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    args = parser.parse_args(argv)
    gateways = [part.strip() for part in str(args.gateways).split(",") if part.strip()]
    for key in gateways:
        if key not in GATEWAYS:
            parser.error(f"unknown gateway {key!r} (known: {', '.join(GATEWAYS)})")
    return Settings(gateways, args.concurrency, args.duration, args.warmup, args.rounds)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    check_tools(settings.gateways)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    workdir = BENCH / "results" / "tmp" / f"{stamp}-public"
    workdir.mkdir(parents=True)
    started = time.time()
    cells: list[Cell] = []
    problems: list[str] = []
    facts: dict[str, dict[str, float]] = {}
    try:
        real = start_subgraphs(workdir)
        stubs = start_stubs(workdir, real)
        supergraph = write_supergraph(workdir, stubs)
        problems, facts = check(settings, supergraph, stubs, workdir)
        for problem in problems:
            log(f"MISMATCH {problem}")
        for rnd in range(1, settings.rounds + 1):
            cells += measure(settings, supergraph, stubs, workdir, rnd)
    except KeyboardInterrupt:
        log("interrupted; reporting what was measured")
    finally:
        procs.stop_all()
    rows = summarize(settings, cells)
    out = BENCH / "results" / f"{stamp}-public.json"
    summary = {
        "settings": settings.__dict__,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "mismatches": problems,
        "checks": facts,
        "rows": rows,
        "cells": [c.__dict__ for c in cells],
    }
    out.write_text(json.dumps(summary, indent=1) + "\n")
    print(render(rows, facts))
    print(f"\nJSON: {out.relative_to(ROOT)}  (logs and answers: {workdir.relative_to(ROOT)})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
