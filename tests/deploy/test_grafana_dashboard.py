"""deploy/grafana/router-dashboard.json queries only what the router's /metrics exports.

A real `supergraph serve` with the bundled subgraphs (tests/kit/traced_stack.py,
tracing off) answers a few operations (one refused, so errors are counted); its
admin listener's /metrics is parsed with prometheus_client's exposition parser,
and every metric each panel's PromQL reads must be there with samples, carrying
every label the query groups or filters by. A real Prometheus server (Debian's
package) then scrapes the same listener and answers a query on what it stored,
and accepts every panel's query.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.system import free_port
from tests.kit.compose import REPO
from tests.kit.traced_stack import TracedStack

DASHBOARD = REPO / "deploy" / "grafana" / "router-dashboard.json"
PROMETHEUS = "/usr/bin/prometheus"
QUERY = "query LatestReviews { latestReviews(first: 2) { body author { name } } }"

_FUNCTIONS = frozenset(
    {"sum", "by", "without", "rate", "irate", "increase", "histogram_quantile", "avg", "max",
     "min", "count", "topk", "on", "ignoring", "group_left", "group_right", "and", "or",
     "unless", "offset"}
)  # fmt: skip
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_MATCHERS = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")


def metrics_of(expr: str) -> set[str]:
    """The metric names a PromQL expression reads."""
    bare = _GROUPING.sub(" ", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", bare)
    names = set()
    for match in _IDENTIFIER.finditer(bare):
        rest = bare[match.end() :].lstrip()
        word = match.group()
        if word in _FUNCTIONS or rest.startswith("("):
            continue
        if re.fullmatch(r"\d+(\.\d+)?", word):
            continue
        names.add(word)
    return names


def labels_of(expr: str) -> dict[str, set[str]]:
    """Per metric, the labels its matchers name; and under "" the labels grouped by."""
    found: dict[str, set[str]] = {"": set()}
    for grouped in _GROUPING.findall(expr):
        found[""] |= {label.strip() for label in grouped.split(",") if label.strip()}
    for metric, matchers in _MATCHERS.findall(expr):
        names = {m.split("=")[0].rstrip("!~").strip() for m in matchers.split(",") if m.strip()}
        found.setdefault(metric, set()).update(names)
    return found


def dashboard_queries() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in board["panels"]
        for target in panel.get("targets", [])
    ]


def test_the_promql_reader_finds_names_and_labels() -> None:
    expr = (
        "histogram_quantile(0.95, sum by (le, subgraph) "
        '(rate(router_subgraph_fetch_duration_seconds_bucket{outcome!="ok"}[$__rate_interval])))'
    )
    assert metrics_of(expr) == {"router_subgraph_fetch_duration_seconds_bucket"}
    assert labels_of(expr) == {
        "": {"le", "subgraph"},
        "router_subgraph_fetch_duration_seconds_bucket": {"outcome"},
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedStack]:
    """`supergraph serve` and the bundled subgraphs, after a few operations (one refused)."""
    running = TracedStack(tmp_path_factory.mktemp("dashboard"), None, {})
    running.start()
    try:
        for _ in range(3):
            answered = running.post(QUERY)
            assert answered.status_code == 200 and "errors" not in answered.json()
        refused = running.post("{ nope }")
        assert refused.json()["errors"][0]["extensions"]["code"]
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def scraped(stack: TracedStack) -> dict[str, set[str]]:
    """Sample name -> the label names its samples carry, from the admin listener."""
    text = stack.client.get(f"{stack.admin_url}/metrics").text
    samples: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    return samples


def test_a_prometheus_server_scrapes_the_router_and_answers_the_dashboards_queries(
    stack: TracedStack, tmp_path: Path
) -> None:
    """Debian's `prometheus` (scripts/ensure-debian-packages.sh prometheus) scrapes the
    admin listener; a query on what it stored counts the operations sent, and every
    panel's PromQL is accepted by it."""
    assert Path(PROMETHEUS).exists(), "run scripts/ensure-debian-packages.sh prometheus"
    target = stack.admin_url.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: router\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    with (tmp_path / "prometheus.log").open("wb") as log:
        server = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        ok = 'sum(router_requests_total{outcome="ok"})'
        deadline = time.monotonic() + 120
        value = None
        while value is None or value < 3:
            assert server.poll() is None, (tmp_path / "prometheus.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"no scrape stored: {value}\n{(tmp_path / 'prometheus.log').read_text()[-3000:]}"
            )
            with contextlib.suppress(httpx.HTTPError):
                found = stack.client.get(f"{api}/query", params={"query": ok}).json()
                if found.get("status") == "success" and found["data"]["result"]:
                    value = float(found["data"]["result"][0]["value"][1])
            time.sleep(0.5)
        assert value == 3  # the three answered operations, as the router counted them
        targets = stack.client.get(f"{api}/targets").json()["data"]["activeTargets"]
        assert [t["health"] for t in targets] == ["up"]
        for title, expr in dashboard_queries():
            query = expr.replace("$__rate_interval", "1m")
            answer = stack.client.get(f"{api}/query", params={"query": query}).json()
            assert answer["status"] == "success", (title, query, answer)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_metric_the_dashboard_queries_is_exported(scraped: dict[str, set[str]]) -> None:
    queries = dashboard_queries()
    assert len(queries) >= 10
    read = {name for _, expr in queries for name in metrics_of(expr)}
    missing = sorted(name for name in read if name not in scraped)
    assert missing == [], f"queried but not exported: {missing}"
    for title, expr in queries:
        labels = labels_of(expr)
        for metric in metrics_of(expr):
            wanted = labels.get(metric, set()) | (labels[""] - {"instance", "job"})
            assert wanted <= scraped[metric], (title, metric, wanted - scraped[metric])


def test_the_dashboard_covers_what_operators_look_at_first() -> None:
    read = {name for _, expr in dashboard_queries() for name in metrics_of(expr)}
    assert {
        "router_requests_total",
        "router_request_duration_seconds_bucket",
        "router_graphql_errors_total",
        "router_subgraph_fetch_duration_seconds_bucket",
        "router_cache_lookups_total",
    } <= read


def test_no_created_series_and_the_process_is_there(scraped: dict[str, set[str]]) -> None:
    assert not [name for name in scraped if name.endswith("_created")]
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total"} <= set(scraped)
