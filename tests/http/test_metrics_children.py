"""Metrics: cached labelled children count like `labels()` did, and a reloaded app's
scrape-time counters carry on from the old one's."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client.parser import text_string_to_metric_families

from supergraph.http.metrics import Metrics
from supergraph.telemetry import observed


def _value(metrics: Metrics, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"no sample {name}{labels}")


def test_cached_children_count_per_label() -> None:
    metrics = Metrics(["a"])
    for _ in range(3):
        metrics.on_request("Hello", "ok", 0.01)
        metrics.on_subgraph_request("a")
    metrics.on_request("not a name!", "ok", 0.01)
    metrics.on_request(None, "request_error", 0.01)
    metrics.on_fetch("a", 0.5, "ok")
    metrics.on_fetch("a", 0.5, "timeout")
    metrics.on_fetch("a", 0.5, "timeout")
    assert _value(metrics, "router_requests_total", operation="Hello", outcome="ok") == 3
    assert (
        _value(metrics, "router_request_duration_seconds_count", operation="Hello", outcome="ok")
        == 3
    )
    assert _value(metrics, "router_requests_total", operation="invalid", outcome="ok") == 1
    assert _value(metrics, "router_requests_total", operation="", outcome="request_error") == 1
    assert _value(metrics, "router_subgraph_requests_total", subgraph="a") == 3
    assert (
        _value(metrics, "router_subgraph_fetch_errors_total", subgraph="a", outcome="timeout") == 2
    )
    timeouts = _value(
        metrics, "router_subgraph_fetch_duration_seconds_count", subgraph="a", outcome="timeout"
    )
    assert timeouts == 2


def test_operation_cache_is_bounded_and_still_counts() -> None:
    metrics = Metrics()
    for index in range(3000):
        metrics.on_request(f"Op{index % 1500}", "ok", 0.0)
    assert len(metrics._request_children) <= 1024
    assert _value(metrics, "router_requests_total", operation="Op7", outcome="ok") == 2


def test_a_replaced_reader_carries_its_counts_on() -> None:
    metrics = Metrics()
    metrics.watch(
        "router_cache_lookups", "Lookups.", ("cache", "result"), lambda: [(("plan", "hit"), 3.0)]
    )
    metrics.watch(
        "router_cache_lookups", "Lookups.", ("cache", "result"), lambda: [(("plan", "hit"), 1.0)]
    )
    assert _value(metrics, "router_cache_lookups_total", cache="plan", result="hit") == 4


def test_a_replaced_reader_carries_its_counts_on_over_otel_too() -> None:
    # The OTLP export reads the same family: its cumulative sum must not drop when a
    # reloaded app replaces the reader.
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    observed.register(provider.get_meter("test"))
    metrics = Metrics()

    def plan_hits() -> list[float]:
        data = reader.get_metrics_data()
        assert data is not None
        return [
            point.value
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == "apollo.router.cache.hit.count"
            for point in metric.data.data_points
            if point.attributes.get("kind") == "plan"
        ]

    try:
        lookups = ("cache", "result")
        metrics.watch("router_cache_lookups", "L.", lookups, lambda: [(("plan", "hit"), 3.0)])
        assert plan_hits() == [3.0]
        metrics.watch("router_cache_lookups", "L.", lookups, lambda: [(("plan", "hit"), 1.0)])
        assert plan_hits() == [4.0]
    finally:
        provider.shutdown()


def test_errors_are_counted_by_code_with_a_bounded_set_of_labels() -> None:
    metrics = Metrics(["a"])
    metrics.on_errors(
        {
            "errors": [
                {"message": "x", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}},
                {"message": "y", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}},
                {"message": "no code"},
                {"message": "odd", "extensions": {"code": "not a code\n"}},
                "not an error object",
            ]
        }
    )
    metrics.on_errors({"data": {"ok": True}})
    for index in range(300):  # codes from a subgraph: bounded
        metrics.on_errors({"errors": [{"extensions": {"code": f"CODE_{index}"}}]})
    assert _value(metrics, "router_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 2
    assert _value(metrics, "router_graphql_errors_total", code="NONE") == 2
    labels = {
        sample.labels["code"]
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
        if sample.name == "router_graphql_errors_total"
    }
    assert len(labels) <= 130 and "OTHER" in labels
    assert (
        _value(metrics, "router_subgraph_fetch_errors_total", subgraph="a", outcome="timeout") == 0
    )


def test_a_cancelled_fetch_is_timed_but_not_counted_as_a_subgraph_error() -> None:
    metrics = Metrics(["a"])
    metrics.on_fetch("a", 0.5, "cancelled")
    count = "router_subgraph_fetch_duration_seconds_count"
    assert _value(metrics, count, subgraph="a", outcome="cancelled") == 1
    errors = [
        sample
        for family in text_string_to_metric_families(metrics.render().decode())
        for sample in family.samples
        if sample.name == "router_subgraph_fetch_errors_total"
        and sample.labels["outcome"] == "cancelled"
    ]
    assert errors == []
