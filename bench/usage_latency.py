"""Usage reporting's cost at p50 over real HTTP, and its memory bound (issue 20).

    python -m bench.usage_latency [--requests 2000] [--rounds 5] [--distinct 200000]

Latency: three routers (`supergraph serve`, one process each) over one stub
subgraph (bench/stub.py, answering at once): `off`, `off-again` (the same
configuration, to show the noise floor of the comparison) and `on`
(router.yaml `usage_reporting` to a SQLite store, flushing every second while
measured). One client sends `{ hello }` with `apollographql-client-name`/
`-version` headers over a keep-alive connection to each in turn, one request at
a time, the order rotating every round; every answer is checked. Afterwards the
`on` router is stopped (which flushes) and its store must hold every request it
answered: the recording was real.

Memory: a UsageRecorder with router.yaml's defaults is fed `--distinct`
different operations from as many clients (the worst case: every request a new
counter) without a flush; tracemalloc tells what it holds: bounded by
`max_keys` counters and `max_pending_bytes` of text, whatever the traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench import procs
from bench.governance_env import percentile, start_router, start_stub
from supergraph.usage.recorder import UsageRecorder, UsageSettings
from supergraph.usage.store import UsageStore
from tests.http.serve_process import supergraph_sdl

HEADERS = {"apollographql-client-name": "bench", "apollographql-client-version": "1.0"}
BODY = {"query": "{ hello }"}
NAMES = ("off", "off-again", "on")


def _routers(work: Path, stub: str) -> dict[str, tuple[subprocess.Popen[bytes], str]]:
    supergraph = work / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), stub))
    plain = work / "router.yaml"
    plain.write_text("include_subgraph_errors:\n  all: true\n")
    usage = work / "router-usage.yaml"
    usage.write_text(
        f"usage_reporting:\n  store: sqlite:///{work / 'usage.db'}\n  flush_interval: 1s\n"
    )
    configs = {"off": plain, "off-again": plain, "on": usage}
    return {
        name: start_router(work, name, ["--supergraph", str(supergraph), "--config", str(config)])
        for name, config in configs.items()
    }


def _measure(urls: dict[str, str], requests: int, rounds: int) -> dict[str, list[list[float]]]:
    """Per router, per round, each request's latency in ms."""
    times: dict[str, list[list[float]]] = {name: [] for name in urls}
    clients = {
        name: httpx.Client(base_url=url, headers=HEADERS, timeout=30) for name, url in urls.items()
    }
    try:
        for client in clients.values():  # connections open, caches warm
            for _ in range(200):
                client.post("/graphql", json=BODY)
        for round_ in range(rounds):
            order = list(NAMES[round_ % 3 :] + NAMES[: round_ % 3])
            for name in order:
                times[name].append([])
            for _ in range(requests):
                for name in order:
                    start = time.perf_counter()
                    answer = clients[name].post("/graphql", json=BODY)
                    elapsed = (time.perf_counter() - start) * 1e3
                    if answer.status_code != 200 or answer.json() != {"data": {"hello": "hi"}}:
                        raise RuntimeError(f"{name}: {answer.status_code} {answer.text}")
                    times[name][-1].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    return times


async def _recorded(dsn: str) -> int:
    store = await UsageStore.open(dsn)
    try:
        counts = await store.coordinate_counts(datetime.now(UTC) - timedelta(hours=2))
    finally:
        await store.close()
    return counts.get("Query.hello", 0)


def latency(requests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stub = start_stub(work)
        routers = _routers(work, stub)
        times = _measure({name: url for name, (_, url) in routers.items()}, requests, rounds)
        rss = {name: procs.peak_rss_mb(process.pid) for name, (process, _) in routers.items()}
        procs.stop(routers["on"][0])  # stopping flushes what is left
        recorded = asyncio.run(_recorded(f"sqlite:///{work / 'usage.db'}"))
        procs.stop_all()
    print(f"latency per request, ms ({rounds} rounds x {requests} per router, interleaved)")
    print("round  " + "  ".join(f"{name + ' p50':>13}" for name in NAMES))
    for index in range(rounds):
        cells = "  ".join(f"{percentile(times[name][index], 0.5):13.3f}" for name in NAMES)
        print(f"{index + 1:>5}  {cells}")
    print("all    " + "  ".join(f"{name + ' p50':>13}" for name in NAMES))
    flat = {name: [t for round_ in times[name] for t in round_] for name in NAMES}
    for q, label in ((0.5, "p50"), (0.9, "p90"), (0.99, "p99")):
        cells = "  ".join(f"{percentile(flat[name], q):13.3f}" for name in NAMES)
        print(f"{label:>5}  {cells}")
    off, again, on = (percentile(flat[name], 0.5) for name in NAMES)
    print(
        f"p50 on - off: {(on - off) * 1e3:+.0f} us; off-again - off (noise floor): "
        f"{(again - off) * 1e3:+.0f} us"
    )
    sent = 200 + rounds * requests
    print(f"requests the `on` router answered: {sent}; recorded in its store: {recorded}")
    print("peak RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items()))
    if recorded != sent:
        raise RuntimeError(f"the store holds {recorded} requests, {sent} were answered")


def memory(distinct: int) -> None:
    """Twice: short client names, then 4,000-character ones (headers a client chooses;
    the recorder keeps 200 characters of each)."""
    for label in (8, 4000):
        settings = UsageSettings(store="sqlite:///unused.db")
        recorder = UsageRecorder(settings, lambda text, name: (text, name or "", frozenset()))
        pad = "x" * label
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(distinct):
            text = f'query Q{i} {{ product(upc: "{i:08d}") {{ upc name price {{ amount }} }} }}'
            recorder.record(text, f"Q{i}", f"{i}-{pad}", pad)
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        print(
            f"memory: {distinct} distinct operations and clients ({label}-character names "
            f"and versions) recorded without a flush: {recorder.recorded} counted, "
            f"{recorder.dropped} dropped (max_keys {settings.max_keys}, max_pending_bytes "
            f"{settings.max_pending_bytes >> 20} MB); the recorder holds {held / 2**20:.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--distinct", type=int, default=200_000)
    args = parser.parse_args()
    memory(args.distinct)
    latency(args.requests, args.rounds)


if __name__ == "__main__":
    main()
