"""Prometheus metrics of one router app, in their own registry.

A registry per app (not the process-global one) lets tests and reloads build
several apps in one process without duplicate-metric errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, subgraphs: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.subgraph_requests = Counter(
            "router_subgraph_requests",
            "HTTP requests sent to each subgraph.",
            ["subgraph"],
            registry=self.registry,
        )
        self.requests = Counter(
            "router_requests",
            "GraphQL requests received, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.subgraph_fetches = Histogram(
            "router_subgraph_fetch_duration_seconds",
            "Subgraph fetch latency, by subgraph and outcome (ok, timeout, http_error).",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        for name in subgraphs:
            # Present from the start (at 0), so dashboards see every subgraph.
            self.subgraph_requests.labels(subgraph=name)

    def on_subgraph_request(self, subgraph: str) -> None:
        self.subgraph_requests.labels(subgraph=subgraph).inc()

    def on_fetch(self, subgraph: str, seconds: float, outcome: str) -> None:
        self.subgraph_fetches.labels(subgraph=subgraph, outcome=outcome).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
