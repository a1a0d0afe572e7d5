"""Router overhead at concurrency 1: router latency minus the slowest subgraph path.

For each operation, our router is run once behind a recording proxy (one port per
subgraph, forwarding to the stub subgraphs), which captures the exact request
bodies it sends. The plan (`supergraph plan --json`) gives the sequential
structure: Sequence nodes add up, Parallel nodes take their slowest branch.
Each recorded request is then replayed straight to its stub with wrk at c=1, and
the subgraph path p50 is the sum of those p50s along the longest path. The
overhead of a gateway is its c=1 p50 minus that path p50: the same path applies
to every gateway, since they make the same requests (the check phase's stub
counters say whether they do).
"""

from __future__ import annotations

import http.server
import json
import statistics
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from supergraph.planner.plan import json_fetch_nodes

PlanNode = Mapping[str, object]


@dataclass
class Recorded:
    subgraph: str
    body: bytes


@dataclass
class PathResult:
    """The longest sequential chain of fetches and its summed latency."""

    ms: float
    services: list[str] = field(default_factory=list)


def slowest_path(node: PlanNode, fetch_ms: Callable[[PlanNode], float]) -> PathResult:
    """Longest path through a plan (Apollo JSON shape): Sequence sums, Parallel takes the max."""
    kind = node.get("kind")
    if kind == "QueryPlan":
        inner = node.get("node")
        return slowest_path(_node(inner), fetch_ms) if inner else PathResult(0.0)
    if kind == "Fetch":
        return PathResult(fetch_ms(node), [str(node.get("serviceName"))])
    if kind == "Flatten":
        return slowest_path(_node(node.get("node")), fetch_ms)
    if kind == "Sequence":
        total = PathResult(0.0)
        for child in _nodes(node.get("nodes")):
            part = slowest_path(child, fetch_ms)
            total = PathResult(total.ms + part.ms, total.services + part.services)
        return total
    if kind in {"Parallel", "Condition"}:
        children = (
            _nodes(node.get("nodes"))
            if kind == "Parallel"
            else [_node(c) for c in (node.get("ifClause"), node.get("elseClause")) if c]
        )
        branches = [slowest_path(child, fetch_ms) for child in children]
        return max(branches, key=lambda b: b.ms, default=PathResult(0.0))
    raise ValueError(f"plan node kind {kind!r} is not supported by the overhead measure")


def _node(value: object) -> PlanNode:
    assert isinstance(value, Mapping), value
    return value


def _nodes(value: object) -> list[PlanNode]:
    assert isinstance(value, list), value
    return [_node(item) for item in value]


def request_query(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    return str(parsed.get("query", "")) if isinstance(parsed, dict) else ""


# -- recording proxy ---------------------------------------------------------------------------


class _Recorder(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, subgraph: str, upstream: str, log: list[Recorded]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.subgraph = subgraph
        self.upstream = upstream
        self.log = log
        self.lock = threading.Lock()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the router's client expects
    server: _Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        with self.server.lock:
            self.server.log.append(Recorded(self.server.subgraph, body))
        request = urllib.request.Request(self.server.upstream, data=body, method="POST")
        for name in ("content-type", "accept", "x-user-id"):
            if self.headers.get(name):
                request.add_header(name, str(self.headers.get(name)))
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                status, data = reply.status, reply.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def recording(upstreams: Mapping[str, str]) -> Iterator[tuple[dict[str, int], list[Recorded]]]:
    """Proxies (subgraph -> port) in threads of this process, and the list they record into."""
    log: list[Recorded] = []
    servers = [_Recorder(name, url, log) for name, url in upstreams.items()]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield {s.subgraph: int(s.server_address[1]) for s in servers}, log
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# -- the measurement -----------------------------------------------------------------------


@dataclass
class OperationPath:
    """What one operation's router makes its subgraphs do, and how long that takes direct."""

    operation: str
    plan: PlanNode
    requests: list[Recorded]
    request_p50_ms: list[list[float]] = field(default_factory=list)  # per request, per round

    def fetch_ms(self, fetch: PlanNode) -> float:
        """Median over rounds of the slowest request this fetch made (0 if it made none)."""
        operation = fetch.get("operation")
        matching = [
            statistics.median(rounds)
            for request, rounds in zip(self.requests, self.request_p50_ms, strict=True)
            if rounds and request.subgraph == fetch.get("serviceName")
            if request_query(request.body) == operation
        ]
        return max(matching, default=0.0)

    def unmatched(self) -> int:
        """Recorded requests that no fetch of the plan explains (would make the path too short)."""
        operations = {
            (f.get("serviceName"), f.get("operation")) for f in json_fetch_nodes(self.plan)
        }
        return sum(
            1 for r in self.requests if (r.subgraph, request_query(r.body)) not in operations
        )

    def summary(self) -> dict[str, object]:
        path = slowest_path(self.plan, self.fetch_ms)
        return {
            "operation": self.operation,
            "subgraph_requests": len(self.requests),
            "plan_fetches": sum(1 for _ in json_fetch_nodes(self.plan)),
            "unmatched_requests": self.unmatched(),
            "path": " > ".join(path.services),
            "path_p50_ms": round(path.ms, 3),
            "request_p50_ms": [
                {
                    "subgraph": r.subgraph,
                    "p50_ms": round(statistics.median(ms), 3) if ms else None,
                }
                for r, ms in zip(self.requests, self.request_p50_ms, strict=True)
            ],
        }


def plan_json(supergraph_cli: Path, supergraph: Path, query: str, workdir: Path) -> PlanNode:
    source = workdir / "overhead-operation.graphql"
    source.write_text(query)
    argv = [str(supergraph_cli), "plan", "--supergraph", str(supergraph), "--json"]
    out = subprocess.run(
        [*argv, "--file", str(source)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    plan = json.loads(out)
    assert isinstance(plan, dict)
    return plan


def overhead_rows(
    paths: Mapping[str, Mapping[str, object]],
    rows: Sequence[Mapping[str, object]],
    counts: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> list[dict[str, object]]:
    """Per (operation, gateway): c=1 p50 on the stub backend minus the subgraph path p50."""
    out: list[dict[str, object]] = []
    for row in rows:
        if row.get("backend") != "stub" or row.get("concurrency") != 1 or not row.get("rps"):
            continue
        path = paths.get(str(row["operation"]))
        if path is None:
            continue
        router_p50 = row["p50_ms"]
        path_p50 = path["path_p50_ms"]
        assert isinstance(router_p50, float | int) and isinstance(path_p50, float | int)
        gateway = str(row["gateway"])
        made = counts.get(str(row["operation"]), {}).get(gateway, {}).get("subgraph_requests")
        out.append(
            {
                "operation": row["operation"],
                "gateway": gateway,
                "router_p50_ms": router_p50,
                "path_p50_ms": path_p50,
                "overhead_p50_ms": round(router_p50 - path_p50, 3),
                "subgraph_requests": made,
                # The path was measured with our router's requests; a gateway making a
                # different number of requests walks a different path.
                "same_requests": made is None or made == path["subgraph_requests"],
            }
        )
    return out
