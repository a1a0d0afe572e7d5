"""The router's OpenTelemetry metrics: semantic-convention instruments, exported over OTLP.

    apply(settings)                 the MeterProvider for `settings` (off: no instruments)
    server_request(...)             one `/graphql` request served
    subgraph_fetch(...)             one subgraph fetch

Instruments (the HTTP semantic conventions; seconds, the conventions' buckets):

    http.server.request.duration    http.request.method, url.scheme, http.route,
                                    http.response.status_code, error.type (5xx),
                                    graphql.operation.name (Apollo Router's attribute)
    http.client.request.duration    subgraph.name, http.request.method, error.type
                                    (timeout, http_error, response_too_large)

Beside them, the counts the Prometheus families read at scrape time (caches, persisted
queries) are observed at each export under Apollo Router's cache instrument names
(telemetry/observed.py: apollo.router.cache.hit.count, .miss.count, .size,
.storage.estimated_size).

They sit beside the Prometheus metrics on the admin listener (http/metrics.py),
which stay as they are. While export is off the recording functions return at
once (one global read).
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import TYPE_CHECKING, Final

from opentelemetry.metrics import Histogram

if TYPE_CHECKING:  # the SDK classes are imported where export is turned on
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import AggregationTemporality, MetricExporter

from supergraph.telemetry import observed
from supergraph.telemetry.metrics_settings import MetricsSettings

logger = logging.getLogger(__name__)

INSTRUMENTATION: Final = "supergraph"
SERVER_DURATION: Final = "http.server.request.duration"
CLIENT_DURATION: Final = "http.client.request.duration"
DURATION_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
"""The semantic conventions' advice for HTTP durations."""
ROUTE: Final = "/graphql"
_INSTANCE: Final = uuid.uuid4().hex
"""service.instance.id: each process (worker) its own series."""

_server: Histogram | None = None
_client: Histogram | None = None
_active: tuple[MetricsSettings, MeterProvider | None] | None = None


def apply(settings: MetricsSettings) -> None:
    """Export as `settings` (resolved: `MetricsSettings.resolved`) say, from now on."""
    global _active
    if _active is not None and _active[0] == settings:
        return
    shutdown()
    provider = None
    if settings.enabled:
        provider = build_provider(settings)
        _instruments(provider)
        logger.info("metrics: OTLP %s to %s", settings.protocol, settings.endpoint)
    _active = (settings, provider)


def shutdown() -> None:
    """Export off; what was measured since the last export is exported first."""
    global _active, _server, _client
    _server = _client = None
    if _active is not None and _active[1] is not None:
        _active[1].shutdown()
    _active = None


def build_provider(
    settings: MetricsSettings, exporter: MetricExporter | None = None
) -> MeterProvider:
    from opentelemetry.sdk.metrics import Histogram as SdkHistogram
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
    from opentelemetry.sdk.resources import Resource

    interval = settings.interval or 60.0
    reader = PeriodicExportingMetricReader(
        exporter or _exporter(settings), export_interval_millis=interval * 1000
    )
    resource = Resource.create(
        {
            "service.name": settings.service_name or "router",
            "service.instance.id": f"{_INSTANCE}-{os.getpid()}",
        }
    )
    buckets = View(
        instrument_type=SdkHistogram,
        aggregation=ExplicitBucketHistogramAggregation(DURATION_BUCKETS),
    )
    return MeterProvider(metric_readers=[reader], resource=resource, views=[buckets])


def _instruments(provider: MeterProvider) -> None:
    global _server, _client
    meter = provider.get_meter(INSTRUMENTATION)
    _server = meter.create_histogram(
        SERVER_DURATION, unit="s", description="Duration of HTTP server requests."
    )
    _client = meter.create_histogram(
        CLIENT_DURATION, unit="s", description="Duration of HTTP client requests (subgraphs)."
    )
    observed.register(meter)


def exporting() -> bool:
    return _server is not None


def server_request(
    method: str, scheme: str, status: int, operation: str | None, seconds: float
) -> None:
    """One request to the GraphQL endpoint; `operation` is already safe as a label."""
    server = _server
    if server is None:
        return
    attributes: dict[str, str | int] = {
        "http.request.method": method,
        "url.scheme": scheme,
        "http.route": ROUTE,
        "http.response.status_code": status,
    }
    if status >= 500:
        attributes["error.type"] = str(status)
    if operation:
        attributes["graphql.operation.name"] = operation
    server.record(seconds, attributes)


def subgraph_fetch(subgraph: str, outcome: str, seconds: float) -> None:
    """One fetch from a subgraph (`outcome`: ok, or what failed)."""
    client = _client
    if client is None:
        return
    attributes = {"subgraph.name": subgraph, "http.request.method": "POST"}
    if outcome != "ok":
        attributes["error.type"] = outcome
    client.record(seconds, attributes)


def _exporter(settings: MetricsSettings) -> MetricExporter:
    temporality = _temporality(settings)
    # Imported on use: each pulls in its own stack (requests; grpcio).
    if settings.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcExporter,
        )

        endpoint = settings.endpoint or ""
        return GrpcExporter(
            endpoint=endpoint,
            insecure=endpoint.startswith("http://"),
            preferred_temporality=temporality,
        )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpExporter,
    )

    return HttpExporter(endpoint=settings.endpoint, preferred_temporality=temporality)


def _temporality(settings: MetricsSettings) -> dict[type, AggregationTemporality]:
    from opentelemetry.sdk.metrics import Counter as SdkCounter
    from opentelemetry.sdk.metrics import Histogram as SdkHistogram
    from opentelemetry.sdk.metrics import ObservableCounter, UpDownCounter
    from opentelemetry.sdk.metrics.export import AggregationTemporality

    chosen = (
        AggregationTemporality.DELTA
        if settings.temporality == "delta"
        else AggregationTemporality.CUMULATIVE
    )
    return {
        SdkCounter: chosen,
        SdkHistogram: chosen,
        UpDownCounter: chosen,
        ObservableCounter: chosen,
    }
