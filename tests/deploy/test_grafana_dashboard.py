"""deploy/grafana/router-dashboard.json queries only what the router's /metrics exports.

A real `supergraph serve` with the bundled subgraphs (tests/kit/traced_stack.py,
tracing off) answers a few operations (one refused, so errors are counted); its
admin listener's /metrics is parsed with prometheus_client's exposition parser,
and every metric each panel's PromQL reads must be there with samples, carrying
every label the query groups or filters by.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.kit.compose import REPO
from tests.kit.traced_stack import TracedStack

DASHBOARD = REPO / "deploy" / "grafana" / "router-dashboard.json"
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
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, set[str]]]:
    """Sample name -> the label names its samples carry, from the admin listener."""
    stack = TracedStack(tmp_path_factory.mktemp("dashboard"), None, {})
    stack.start()
    try:
        for _ in range(3):
            answered = stack.post(QUERY)
            assert answered.status_code == 200 and "errors" not in answered.json()
        refused = stack.post("{ nope }")
        assert refused.json()["errors"][0]["extensions"]["code"]
        text = stack.client.get(f"{stack.admin_url}/metrics").text
    finally:
        stack.stop()
    samples: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, set()).update(sample.labels)
    yield samples


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
