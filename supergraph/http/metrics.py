"""Prometheus metrics of one router app, in their own registry.

A registry per app (not the process-global one) lets tests and reloads build
several apps in one process without duplicate-metric errors.

router_requests_total{operation,outcome}              GraphQL operations received
router_request_duration_seconds{operation,outcome}    their latency (histogram)
router_subgraph_requests_total{subgraph}              HTTP requests sent to each subgraph
router_subgraph_fetch_duration_seconds{subgraph,outcome}  subgraph fetch latency
router_subgraph_fetch_errors_total{subgraph,outcome}  failed subgraph fetches
router_cache_lookups_total{cache,result}              plan/document cache hits and misses
router_persisted_queries_total{result}                persisted query hits, misses, registrations

Ratios are left to PromQL (hits / (hits + misses)): counters add up across replicas,
ratios do not. Cache and persisted-query counters are read at scrape time from
the objects that count them, so the request path pays nothing for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

CountsReader = Callable[[], Iterable[tuple[tuple[str, ...], float]]]
"""(label values, count) rows for one counter family."""

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


def operation_label(name: str | None) -> str:
    """Operation names are client-chosen: only well-formed GraphQL names, bounded."""
    if name is None:
        return ""
    return name if _NAME.fullmatch(name) else "invalid"


class _ScrapeTimeCounters(Collector):
    def __init__(self) -> None:
        self.families: list[tuple[str, str, tuple[str, ...], CountsReader]] = []

    def collect(self) -> Iterator[CounterMetricFamily]:
        for name, documentation, labels, read in self.families:
            family = CounterMetricFamily(name, documentation, labels=labels)
            for values, count in read():
                family.add_metric(list(values), count)
            yield family


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
            "GraphQL operations received, by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "router_request_duration_seconds",
            "GraphQL operation latency at the router, by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.subgraph_fetches = Histogram(
            "router_subgraph_fetch_duration_seconds",
            "Subgraph fetch latency, by subgraph and outcome (ok, timeout, http_error).",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self.subgraph_errors = Counter(
            "router_subgraph_fetch_errors",
            "Subgraph fetches that failed, by subgraph and outcome (timeout, http_error).",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self._scraped = _ScrapeTimeCounters()
        self.registry.register(self._scraped)
        for name in subgraphs:
            # Present from the start (at 0), so dashboards see every subgraph.
            self.subgraph_requests.labels(subgraph=name)

    def on_subgraph_request(self, subgraph: str) -> None:
        self.subgraph_requests.labels(subgraph=subgraph).inc()

    def on_fetch(self, subgraph: str, seconds: float, outcome: str) -> None:
        self.subgraph_fetches.labels(subgraph=subgraph, outcome=outcome).observe(seconds)
        if outcome != "ok":
            self.subgraph_errors.labels(subgraph=subgraph, outcome=outcome).inc()

    def on_request(self, operation: str | None, outcome: str, seconds: float) -> None:
        label = operation_label(operation)
        self.requests.labels(operation=label, outcome=outcome).inc()
        self.request_duration.labels(operation=label, outcome=outcome).observe(seconds)

    def watch(
        self, name: str, documentation: str, labels: tuple[str, ...], read: CountsReader
    ) -> None:
        """A counter family read from elsewhere at scrape time (caches, persisted queries)."""
        self._scraped.families.append((name, documentation, labels, read))

    def render(self) -> bytes:
        return generate_latest(self.registry)
