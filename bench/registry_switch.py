"""A router following the registry switches supergraphs under load without dropping a
request (issue 20): how many requests fail (must be 0), what the latency does around
each switch, and how long a published version takes to be served.

    python -m bench.registry_switch [--registry postgresql://postgres@127.0.0.1:5432/test]
        [--clients 8] [--switches 5] [--interval 0.5] [--steady 3]

Real processes over loopback: `supergraph registry serve` on the registry's
database (PostgreSQL by default, a graph of its own per run), a router started
with `supergraph serve --supergraph-url .../graphs/G/supergraph --reload-interval
INTERVAL`, a stub subgraph answering at once (bench/stub.py). `--clients`
concurrent keep-alive clients send `{ hello }` in a loop; every answer must be
200 with `{"data": {"hello": "hi"}}` (a transport error, another status or body
counts as failed). Meanwhile version after version is published (each adds a
field `fN`): the time from the publish to the first request for `fN` that
validates is the pickup time. Latencies are split into requests that started
during a switch (from the publish until one second after the pickup) and the
steady rest.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import procs
from bench.governance_env import percentile, start_registry, start_router, start_stub
from supergraph.registry.store import Registry
from tests.http.serve_process import supergraph_sdl

OK = {"data": {"hello": "hi"}}


@dataclass
class Run:
    started: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    switches: list[tuple[float, float]] = field(default_factory=list)
    """(published at, first served at), monotonic seconds."""
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _client(url: str, run: Run) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while not run.stop.is_set():
            start = time.monotonic()
            try:
                answer = await client.post("/graphql", json={"query": "{ hello }"})
                ok = answer.status_code == 200 and answer.json() == OK
                failure = "" if ok else f"{answer.status_code} {answer.text[:200]}"
            except httpx.HTTPError as error:
                failure = f"{type(error).__name__}: {error}"
            run.started.append(start)
            run.latency_ms.append((time.monotonic() - start) * 1e3)
            if failure:
                run.failures.append(failure)


async def _publish(dsn: str, graph: str, fields: tuple[str, ...], subgraph: str) -> None:
    registry = await Registry.open(dsn)
    try:
        await registry.publish(graph, supergraph_sdl(fields, subgraph), [], "bench", "switch")
    finally:
        await registry.close()


PICKUP_LIMIT = 60.0
"""Seconds a published version may take to be served before the run fails."""


async def _served(url: str, field_name: str) -> float:
    """When `{ field_name }` first validates on the router (polled every 20 ms)."""
    deadline = time.monotonic() + PICKUP_LIMIT
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            answer = await client.post("/graphql", json={"query": f"{{ {field_name} }}"})
            if "GRAPHQL_VALIDATION_FAILED" not in answer.text:
                return time.monotonic()
            await asyncio.sleep(0.02)
    raise RuntimeError(f"{field_name} not served {PICKUP_LIMIT:.0f}s after its publish")


async def _scenario(args: argparse.Namespace, work: Path) -> Run:
    graph = f"bench-{uuid.uuid4().hex[:8]}"
    stub = start_stub(work)
    fields: tuple[str, ...] = ("hello",)
    await _publish(args.registry, graph, fields, stub)
    registry = start_registry(work, args.registry)
    source = ["--supergraph-url", f"{registry}/graphs/{graph}/supergraph"]
    cache = ["--supergraph-cache", str(work / "cache.graphql")]
    interval = ["--reload-interval", str(args.interval)]
    _, router = start_router(work, "router", [*source, *cache, *interval])
    run = Run()
    clients = [asyncio.create_task(_client(router, run)) for _ in range(args.clients)]
    await asyncio.sleep(args.steady)
    for number in range(2, args.switches + 2):
        fields = (*fields, f"f{number}")
        published = time.monotonic()
        await _publish(args.registry, graph, fields, stub)
        run.switches.append((published, await _served(router, f"f{number}")))
        await asyncio.sleep(args.steady)
    run.stop.set()
    await asyncio.gather(*clients)
    return run


def _report(args: argparse.Namespace, run: Run) -> None:
    def switching(start: float) -> bool:
        return any(published <= start <= served + 1.0 for published, served in run.switches)

    during = [ms for s, ms in zip(run.started, run.latency_ms, strict=True) if switching(s)]
    steady = [ms for s, ms in zip(run.started, run.latency_ms, strict=True) if not switching(s)]
    seconds = max(run.started) - min(run.started)
    pickups = [served - published for published, served in run.switches]
    registry = args.registry.split("@")[-1].split("/")[0] if "://" in args.registry else "?"
    print(
        f"registry {args.registry.split(':')[0]} ({registry}), {args.clients} clients, "
        f"{len(run.switches)} switches, reload interval {args.interval} s"
    )
    print(
        f"requests: {len(run.started)} in {seconds:.1f} s ({len(run.started) / seconds:.0f}/s), "
        f"failed: {len(run.failures)}"
    )
    for label, values in (("steady", steady), ("during a switch", during)):
        print(
            f"  {label:<16} {len(values):>6} requests  p50 {percentile(values, 0.5):7.2f} ms  "
            f"p99 {percentile(values, 0.99):7.2f} ms  max {max(values, default=0):7.2f} ms"
        )
    print(
        "pickup (publish -> first valid request for the new field): "
        + ", ".join(f"{p:.2f}" for p in pickups)
        + f" s (median {percentile(pickups, 0.5):.2f} s)"
    )
    for failure in run.failures[:10]:
        print(f"  failed: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--switches", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.5, help="--reload-interval")
    parser.add_argument("--steady", type=float, default=3.0, help="seconds between publishes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            run = asyncio.run(_scenario(args, Path(tmp)))
        finally:
            procs.stop_all()
    _report(args, run)
    if run.failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
