"""bench/overhead.py and the summary helpers of bench/run.py (fast, no gateway started)."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from bench.overhead import (
    OperationPath,
    Recorded,
    overhead_rows,
    recording,
    slowest_path,
)
from bench.run import scaling
from supergraph.planner.plan import json_fetch_nodes


def fetch(service: str, operation: str) -> dict[str, object]:
    return {"kind": "Fetch", "serviceName": service, "operation": operation}


# products, then (reviews, then accounts) in parallel with inventory
PLAN: dict[str, object] = {
    "kind": "QueryPlan",
    "node": {
        "kind": "Sequence",
        "nodes": [
            fetch("products", "q0"),
            {
                "kind": "Parallel",
                "nodes": [
                    {
                        "kind": "Sequence",
                        "nodes": [
                            {"kind": "Flatten", "path": ["a"], "node": fetch("reviews", "q1")},
                            {"kind": "Flatten", "path": ["b"], "node": fetch("accounts", "q2")},
                        ],
                    },
                    {"kind": "Flatten", "path": ["a"], "node": fetch("inventory", "q3")},
                ],
            },
        ],
    },
}


def body(query: str) -> bytes:
    return json.dumps({"query": query, "variables": {"representations": []}}).encode()


def test_slowest_path_adds_sequences_and_takes_the_slowest_parallel_branch() -> None:
    ms = {"q0": 1.0, "q1": 0.5, "q2": 0.75, "q3": 1.0}
    path = slowest_path(PLAN, lambda node: ms[str(node["operation"])])
    assert path.ms == pytest.approx(2.25)
    assert path.services == ["products", "reviews", "accounts"]

    ms["q3"] = 2.0
    path = slowest_path(PLAN, lambda node: ms[str(node["operation"])])
    assert path.ms == pytest.approx(3.0)
    assert path.services == ["products", "inventory"]


def test_slowest_path_of_an_empty_plan_is_zero() -> None:
    assert slowest_path({"kind": "QueryPlan", "node": None}, lambda _: 1.0).ms == 0.0


def test_slowest_path_refuses_unknown_node_kinds() -> None:
    with pytest.raises(ValueError, match="Defer"):
        slowest_path({"kind": "Defer"}, lambda _: 1.0)


def test_fetches_lists_every_fetch() -> None:
    assert [f["operation"] for f in json_fetch_nodes(PLAN)] == ["q0", "q1", "q2", "q3"]


def test_operation_path_matches_requests_to_fetches_by_subgraph_and_query() -> None:
    requests = [
        Recorded("products", body("q0")),
        Recorded("reviews", body("q1")),
        Recorded("accounts", body("q2")),
        Recorded("inventory", body("q3")),
    ]
    path = OperationPath("op", PLAN, requests, [[1.0, 3.0], [0.5], [0.5], [1.0]])
    summary = path.summary()
    assert summary["path_p50_ms"] == 3.0  # median 2.0 + 0.5 + 0.5
    assert summary["path"] == "products > reviews > accounts"
    assert summary["unmatched_requests"] == 0
    assert summary["subgraph_requests"] == 4

    stray = OperationPath("op", PLAN, [*requests, Recorded("orders", body("q9"))])
    assert stray.unmatched() == 1


def test_overhead_rows_subtract_the_path_and_flag_other_request_counts() -> None:
    paths: dict[str, dict[str, object]] = {
        "small_join": {"path_p50_ms": 0.9, "subgraph_requests": 3}
    }
    rows: list[dict[str, object]] = [
        {"backend": "stub", "concurrency": 1, "operation": "small_join", "gateway": g, "rps": 9.0}
        | {"p50_ms": p50}
        for g, p50 in (("ours", 1.5), ("apollo", 4.0))
    ]
    rows.append(dict(rows[0], concurrency=32))
    counts = {
        "small_join": {"ours": {"subgraph_requests": 3.0}, "apollo": {"subgraph_requests": 4.0}}
    }
    out = overhead_rows(paths, rows, counts)
    assert [(r["gateway"], r["overhead_p50_ms"], r["same_requests"]) for r in out] == [
        ("ours", 0.6, True),
        ("apollo", 3.1, False),
    ]


def test_scaling_pairs_ours_w2_with_ours() -> None:
    base = {"backend": "stub", "concurrency": 32, "operation": "small_join"}
    rows: list[dict[str, object]] = [
        base | {"gateway": "ours", "rps": 100.0, "cpu_s_per_1k": 2.0, "p50_ms": 10.0},
        base | {"gateway": "ours-w2", "rps": 150.0, "cpu_s_per_1k": 2.2, "p50_ms": 7.0},
        base | {"gateway": "apollo", "rps": 50.0, "cpu_s_per_1k": 4.0, "p50_ms": 20.0},
    ]
    (row,) = scaling(rows)
    assert row["w2_over_ours_rps"] == 1.5
    assert row["ours_w2_cpu_s_per_1k"] == 2.2


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        data = b'{"data":' + self.rfile.read(int(self.headers["content-length"])) + b"}"
        self.send_response(200)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    server.shutdown()
    server.server_close()


def test_recording_proxy_forwards_and_records_bodies(echo_url: str) -> None:
    with recording({"products": echo_url}) as (ports, recorded):
        url = f"http://127.0.0.1:{ports['products']}/graphql"
        request = urllib.request.Request(url, data=b'{"query":"q0"}', method="POST")
        request.add_header("content-type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.read() == b'{"data":{"query":"q0"}}'
    assert recorded == [Recorded("products", b'{"query":"q0"}')]
