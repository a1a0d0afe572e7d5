"""Prometheus metrics of one router, in their own registry.

A registry per `Metrics` (not the process-global one) lets tests build several
apps in one process without duplicate-metric errors; a hot reload keeps the
same `Metrics`, so counters carry on across supergraph versions.

router_requests_total{operation,outcome}              GraphQL operations received
router_request_duration_seconds{operation,outcome}    their latency (histogram)
router_subgraph_requests_total{subgraph}              HTTP requests sent to each subgraph
router_subgraph_fetch_duration_seconds{subgraph,outcome}  subgraph fetch latency
router_subgraph_fetch_errors_total{subgraph,outcome}  failed subgraph fetches
    (fetch outcomes: ok, timeout, http_error, response_too_large, and cancelled: the
    router stopped waiting, as the client left; not counted as an error)
router_cache_lookups_total{cache,result}              plan/document cache hits and misses
router_cache_bytes{cache}                             bytes each cache holds (its own accounting)
router_cache_max_bytes{cache}                         each cache's byte budget
router_cache_entries{cache}                           entries each cache holds
router_cache_evictions_total{cache}                   entries evicted to make room
router_cache_rejections_total{cache,reason}           entries not kept (oversize, admission)
router_persisted_queries_total{result}                persisted query hits, misses, registrations
router_reloads_total{outcome}                         hot reloads (success, failure)
router_graphql_errors_total{code}                     errors in responses by extensions.code
cost_estimated{cost_result}                           estimated operation cost (histogram; demand control)
cost_actual / cost_delta                              actual cost, actual - estimated (histograms)
router_cost_results_total{result}                     COST_OK, COST_ESTIMATED_TOO_EXPENSIVE, ...
process_* python_gc_* python_info                     the process (one process; not under --workers)

The same requests and fetches also go to the OpenTelemetry instruments when OTLP
export is on (supergraph/telemetry/metrics.py: http.server.request.duration,
http.client.request.duration).

Ratios are left to PromQL (hits / (hits + misses)): counters add up across replicas,
ratios do not. Cache and persisted-query counters are read at scrape time from
the objects that count them, so the request path pays nothing for them.

With `--workers N` every worker writes its values to files in a shared
directory (prometheus_client's multiprocess mode, `multiprocess_dir`) and any
worker's `/metrics` reports the sums over all workers. Scrape-time counters are
then mirrored into file-backed counters (`sync`, called by the worker every
second and before each scrape), so they add up too. Scrape-time gauges (cache
sizes) are mirrored into file-backed gauges summed over the live workers
(`livesum`): the bytes every worker's caches hold together. The parent drops a
dead worker's gauges (`forget_process`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

from supergraph.pipeline.demand_control import CostRecord
from supergraph.telemetry import metrics as otel_metrics
from supergraph.telemetry import observed as otel_observed
from supergraph.types import JSONObject

CountsReader = Callable[[], Iterable[tuple[tuple[str, ...], float]]]
"""(label values, count) rows for one counter family (or values, for a gauge family)."""

_NAME_LENGTH = 64
_NAME = re.compile(rf"[_A-Za-z][_0-9A-Za-z]{{0,{_NAME_LENGTH - 1}}}")
COST_BUCKETS = (0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, float("inf"))
"""The view Apollo's demand control documentation suggests for `cost.*` (costs are
counts, not latencies)."""
_MAX_CACHED_OPERATIONS = 1024
FETCH_ERRORS = ("timeout", "http_error", "response_too_large")
"""The outcomes of a failed subgraph fetch (the executor's)."""
NOT_FETCH_ERRORS = ("ok", "cancelled")
"""The other outcomes: answered, or cancelled by the router (no subgraph failure)."""
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_MAX_ERROR_CODES = 128
"""Distinct `code` labels at most; any further code counts as OTHER (NONE: no code)."""
"""Labelled children kept per (operation, outcome); operation names come from clients."""


def operation_label(name: str | None) -> str:
    """Operation names are client-chosen: only well-formed GraphQL names, bounded."""
    if name is None:
        return ""
    return name if _NAME.fullmatch(name) else "invalid"


@dataclass(slots=True)
class _Family:
    documentation: str
    labels: tuple[str, ...]
    read: CountsReader
    mirror: Counter | None = None
    """Multiprocess mode: the file-backed counter the counts are copied into."""
    synced: dict[tuple[str, ...], float] = field(default_factory=dict)
    carried: dict[tuple[str, ...], float] = field(default_factory=dict)
    """What readers this one replaced had counted: added, so counters never go down."""

    def rows(self) -> dict[tuple[str, ...], float]:
        rows = dict(self.carried)
        for values, count in self.read():
            rows[values] = rows.get(values, 0.0) + count
        return rows


class _ScrapeTimeCounters(Collector):
    def __init__(self) -> None:
        self.families: dict[str, _Family] = {}

    def collect(self) -> Iterator[CounterMetricFamily]:
        for name, family in self.families.items():
            metric = CounterMetricFamily(name, family.documentation, labels=family.labels)
            for values, count in family.rows().items():
                metric.add_metric(list(values), count)
            yield metric


@dataclass(slots=True)
class _GaugeFamily:
    documentation: str
    labels: tuple[str, ...]
    read: CountsReader
    mirror: Gauge | None = None
    """Multiprocess mode: the file-backed gauge (summed over live workers)."""
    synced: set[tuple[str, ...]] = field(default_factory=set)


class _ScrapeTimeGauges(Collector):
    def __init__(self) -> None:
        self.families: dict[str, _GaugeFamily] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, family in self.families.items():
            metric = GaugeMetricFamily(name, family.documentation, labels=family.labels)
            for values, value in family.read():
                metric.add_metric(list(values), value)
            yield metric


def render_directory(multiprocess_dir: str) -> bytes:
    """The sums over every process writing to `multiprocess_dir` (`--workers`)."""
    registry = CollectorRegistry()
    # prometheus_client leaves this constructor unannotated.
    MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_process(pid: int, multiprocess_dir: str) -> None:
    """Drop the gauges a dead worker wrote (its counters stay: they still add up)."""
    mark_process_dead(pid, multiprocess_dir)  # type: ignore[no-untyped-call]


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, subgraphs: Iterable[str] = (), multiprocess_dir: str | None = None) -> None:
        """`multiprocess_dir`: render the sums over every process writing there; the
        caller sets PROMETHEUS_MULTIPROC_DIR to it before prometheus_client is imported."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = multiprocess_dir
        # No `_created` series: one more gauge per labelled child that no dashboard
        # reads (Prometheus computes rates without it). prometheus_client's switch is
        # process-wide, as are these metrics.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        if multiprocess_dir is None:
            # The process's own: memory, CPU, file descriptors, GC, the Python version.
            # (Under --workers each worker has its own process; the sums would mislead.)
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
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
            "Subgraph fetch latency, by subgraph and outcome"
            " (ok, timeout, http_error, response_too_large).",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self.subgraph_errors = Counter(
            "router_subgraph_fetch_errors",
            "Subgraph fetches that failed, by subgraph and outcome"
            " (timeout, http_error, response_too_large).",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "router_graphql_errors",
            "GraphQL errors in responses, by extensions.code (Apollo's apollo.router.graphql_error).",
            ["code"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "router_reloads",
            "Hot reloads of the supergraph and configuration, by outcome (success, failure).",
            ["outcome"],
            registry=self.registry,
        )
        # Apollo's instruments `cost.estimated`, `cost.actual`, `cost.delta`.
        self.cost_estimated = Histogram(
            "cost_estimated",
            "Estimated cost of operations before execution, by result (demand control).",
            ["cost_result"],
            buckets=COST_BUCKETS,
            registry=self.registry,
        )
        self.cost_actual = Histogram(
            "cost_actual",
            "Actual cost of operations, measured on their responses (demand control).",
            buckets=COST_BUCKETS,
            registry=self.registry,
        )
        self.cost_delta = Histogram(
            "cost_delta",
            "Actual minus estimated cost of operations (demand control).",
            buckets=COST_BUCKETS,
            registry=self.registry,
        )
        self.cost_results = Counter(
            "router_cost_results",
            "Operations by demand control result (COST_OK, COST_ESTIMATED_TOO_EXPENSIVE,"
            " COST_QUERY_PARSE_FAILURE); refused ones only in enforce mode.",
            ["result"],
            registry=self.registry,
        )
        self._scraped = _ScrapeTimeCounters()
        self._gauges = _ScrapeTimeGauges()
        # A hot reload builds the next app (and watches its counters) in a thread.
        self._lock = threading.Lock()
        if multiprocess_dir is None:
            self.registry.register(self._scraped)
            self.registry.register(self._gauges)
        # `labels()` hashes and validates its arguments on every call (a few per
        # cent of router CPU): the labelled children are looked up once and kept.
        self._subgraph_children: dict[str, Counter] = {}
        self._fetch_children: dict[tuple[str, str], tuple[Histogram, Counter | None]] = {}
        self._request_children: dict[tuple[str | None, str], tuple[Counter, Histogram]] = {}
        self._error_children: dict[str, Counter] = {}
        self.add_subgraphs(subgraphs)

    def add_subgraphs(self, subgraphs: Iterable[str]) -> None:
        """Present from the start (at 0), so dashboards see every subgraph (and its
        errors, before the first one)."""
        for name in subgraphs:
            self._subgraph_counter(name)
            for outcome in FETCH_ERRORS:
                self.subgraph_errors.labels(subgraph=name, outcome=outcome)

    def on_subgraph_request(self, subgraph: str) -> None:
        counter = self._subgraph_children.get(subgraph) or self._subgraph_counter(subgraph)
        counter.inc()

    def on_fetch(self, subgraph: str, seconds: float, outcome: str) -> None:
        children = self._fetch_children.get((subgraph, outcome))
        if children is None:
            children = self._fetch_labels(subgraph, outcome)
        duration, errors = children
        duration.observe(seconds)
        if errors is not None:
            errors.inc()
        otel_metrics.subgraph_fetch(subgraph, outcome, seconds)  # at once while export is off

    def on_request(self, operation: str | None, outcome: str, seconds: float) -> None:
        if operation is not None and len(operation) > _NAME_LENGTH:
            # Its label is "invalid" anyway; kept as a key, a client's 1 MB operation
            # name would stay in `_request_children` (up to 1,024 of them).
            operation = "invalid"
        children = self._request_children.get((operation, outcome))
        if children is None:
            children = self._request_labels(operation, outcome)
        count, duration = children
        count.inc()
        duration.observe(seconds)

    def on_errors(self, body: JSONObject) -> None:
        """Count the errors of a response body by their `extensions.code`."""
        errors = body.get("errors")
        if not isinstance(errors, list):
            return
        for error in errors:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            code = extensions.get("code") if isinstance(extensions, dict) else None
            key = code if isinstance(code, str) else ""
            child = self._error_children.get(key) or self._error_counter(key)
            child.inc()

    def on_cost(self, record: CostRecord) -> None:
        """One operation's costs (the demand control stage's observer)."""
        self.cost_results.labels(result=record.result).inc()
        if record.estimated is not None:
            self.cost_estimated.labels(cost_result=record.result).observe(record.estimated)
        if record.actual is not None:
            self.cost_actual.observe(record.actual)
            if record.estimated is not None:
                self.cost_delta.observe(record.actual - record.estimated)

    def on_reload(self, ok: bool) -> None:
        self.reloads.labels(outcome="success" if ok else "failure").inc()

    def watch(
        self, name: str, documentation: str, labels: tuple[str, ...], read: CountsReader
    ) -> None:
        """A counter family read from elsewhere at scrape time (caches, persisted
        queries). Watching a name again (a reloaded app) replaces its reader. The OTLP
        export observes the same rows, what replaced readers counted included
        (telemetry/observed.py): its sums are monotonic too."""
        with self._lock:
            family = self._watch(name, documentation, labels, read)
            otel_observed.watch(name, lambda: family.rows().items())

    def _watch(
        self, name: str, documentation: str, labels: tuple[str, ...], read: CountsReader
    ) -> _Family:
        old = self._scraped.families.get(name)
        family = _Family(documentation, labels, read)
        if old is not None:
            # Read by the scrape in one process, by the OTLP export in both modes.
            family.carried = old.rows()
        if self.multiprocess_dir is not None:
            if old is not None:
                self._sync(old)  # what the old reader counted since the last sync
                family.mirror = old.mirror
            else:
                family.mirror = Counter(name, documentation, labels, registry=self.registry)
        self._scraped.families[name] = family
        return family

    def watch_gauges(
        self, name: str, documentation: str, labels: tuple[str, ...], read: CountsReader
    ) -> None:
        """A gauge family read from elsewhere at scrape time (cache sizes). Watching a
        name again (a reloaded app) replaces its reader: the new values, nothing carried."""
        otel_observed.watch(name, read)
        with self._lock:
            old = self._gauges.families.get(name)
            family = _GaugeFamily(documentation, labels, read)
            if self.multiprocess_dir is not None:
                if old is not None:
                    family.mirror, family.synced = old.mirror, old.synced
                else:
                    family.mirror = Gauge(
                        name,
                        documentation,
                        labels,
                        registry=self.registry,
                        multiprocess_mode="livesum",
                    )
            self._gauges.families[name] = family

    def sync(self) -> None:
        """Multiprocess mode: copy scrape-time counts and gauges into the shared files."""
        with self._lock:
            for family in list(self._scraped.families.values()):
                self._sync(family)
            for gauges in list(self._gauges.families.values()):
                self._sync_gauges(gauges)

    def render(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        self.sync()
        return render_directory(self.multiprocess_dir)

    def _sync(self, family: _Family) -> None:
        if family.mirror is None:
            return
        for values, count in family.read():
            delta = count - family.synced.get(values, 0.0)
            # present at 0, as in one process; a family without labels is its own child
            child = family.mirror.labels(*values) if values else family.mirror
            if delta > 0:
                child.inc(delta)
            family.synced[values] = count

    @staticmethod
    def _sync_gauges(family: _GaugeFamily) -> None:
        if family.mirror is None:
            return
        current = set()
        for values, value in family.read():
            (family.mirror.labels(*values) if values else family.mirror).set(value)
            current.add(values)
        for gone in family.synced - current:
            family.mirror.labels(*gone).set(0)  # e.g. a cache the reloaded app no longer has
        family.synced = current

    def _subgraph_counter(self, subgraph: str) -> Counter:
        counter = self.subgraph_requests.labels(subgraph=subgraph)
        self._subgraph_children[subgraph] = counter
        return counter

    def _error_counter(self, code: str) -> Counter:
        # Codes come from subgraphs too: well-formed ones only, and a bounded set of them.
        known = len(self._error_children) < _MAX_ERROR_CODES
        label = code if known and _CODE.fullmatch(code) else "NONE" if not code else "OTHER"
        child = self.errors.labels(code=label)
        if known:
            self._error_children[code] = child
        return child

    def _fetch_labels(self, subgraph: str, outcome: str) -> tuple[Histogram, Counter | None]:
        duration = self.subgraph_fetches.labels(subgraph=subgraph, outcome=outcome)
        errors = (
            self.subgraph_errors.labels(subgraph=subgraph, outcome=outcome)
            if outcome not in NOT_FETCH_ERRORS
            else None
        )
        # Subgraph names come from the supergraph and outcomes are a fixed set: bounded.
        self._fetch_children[subgraph, outcome] = (duration, errors)
        return duration, errors

    def _request_labels(self, operation: str | None, outcome: str) -> tuple[Counter, Histogram]:
        label = operation_label(operation)
        children = (
            self.requests.labels(operation=label, outcome=outcome),
            self.request_duration.labels(operation=label, outcome=outcome),
        )
        if len(self._request_children) >= _MAX_CACHED_OPERATIONS:
            self._request_children.clear()
        self._request_children[operation, outcome] = children
        return children
