"""Processes for the governance benchmarks (bench/usage_latency.py, bench/registry_switch.py):
a stub subgraph answering `{ hello }` at once, routers and a registry over real HTTP.

Every process is started through bench/procs.py, which stops each by its own pid
when the run ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bench import procs

HELLO = b'{"data":{"hello":"hi"}}'
"""What the stub answers every subgraph request: the routers' load asks `{ hello }`."""


def start_stub(work: Path) -> str:
    """bench/stub.py with one scripted rule: every POST gets HELLO. Its subgraph URL."""
    port = procs.free_port()
    log = work / "stub.log"
    process = procs.start(
        [sys.executable, "-m", "bench.stub", "--listen", f"greetings={port}=http://127.0.0.1:9/"],
        log,
    )
    url = f"http://127.0.0.1:{port}"
    procs.wait_until(process, f"{url}/health", log, post=False)
    rules = [{"subgraph": "greetings", "match": "", "body": HELLO.decode()}]
    request = urllib.request.Request(
        f"{url}/stub/rules", data=json.dumps(rules).encode(), method="PUT"
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200
    return f"{url}/graphql"


def start_router(work: Path, name: str, args: Sequence[str]) -> tuple[subprocess.Popen[bytes], str]:
    """`supergraph serve ARGS` on a free port, serving; (its process, its base URL)."""
    port = procs.free_port()
    log = work / f"{name}.log"
    argv = [sys.executable, "-m", "supergraph", "serve", *args, "--port", str(port)]
    process = procs.start(argv, log)
    url = f"http://127.0.0.1:{port}"
    procs.wait_until(process, f"{url}/graphql", log, post=True)
    return process, url


def start_registry(work: Path, dsn: str) -> str:
    """`supergraph registry serve --registry DSN` on a free port; its base URL."""
    port = procs.free_port()
    log = work / "registry.log"
    argv = [sys.executable, "-m", "supergraph", "registry", "serve", "--registry", dsn]
    process = procs.start([*argv, "--port", str(port)], log)
    url = f"http://127.0.0.1:{port}"
    procs.wait_until(process, f"{url}/health", log, post=False)
    return url


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
    return ordered[index]
