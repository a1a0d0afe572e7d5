"""The OpenTelemetry SDK behind the router's tracer: provider, sampler, OTLP exporter.

One provider per process (`apply`); a hot reload with other settings replaces it
(the old one exports what it holds, then stops).
"""

from __future__ import annotations

import logging
from typing import Final

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from supergraph.telemetry import tracing
from supergraph.telemetry.settings import TracingSettings

logger = logging.getLogger(__name__)

INSTRUMENTATION: Final = "supergraph"

_active: tuple[TracingSettings, TracerProvider | None] | None = None


def apply(settings: TracingSettings) -> None:
    """Trace as `settings` (resolved: `TracingSettings.resolved`) say, from now on."""
    global _active
    if _active is not None and _active[0] == settings:
        return
    shutdown()
    provider = None
    if settings.enabled:
        provider = build_provider(settings)
        tracing.configure(
            provider.get_tracer(INSTRUMENTATION),
            trace_context=settings.trace_context,
            trust_incoming=settings.trust_incoming,
            graphql_document=settings.graphql_document,
        )
        logger.info(
            "tracing: OTLP %s to %s, sampler %s",
            settings.protocol,
            settings.endpoint,
            settings.sampler,
        )
    _active = (settings, provider)


def shutdown() -> None:
    """Tracing off; the spans still held are exported first."""
    global _active
    tracing.configure(None)
    if _active is not None and _active[1] is not None:
        _active[1].shutdown()
    _active = None


def build_provider(
    settings: TracingSettings, exporter: SpanExporter | None = None
) -> TracerProvider:
    provider = TracerProvider(
        sampler=sampler(settings),
        resource=Resource.create({"service.name": settings.service_name or "router"}),
    )
    provider.add_span_processor(
        BatchSpanProcessor(
            exporter or _exporter(settings),
            max_queue_size=settings.max_queue_size,
            schedule_delay_millis=settings.scheduled_delay * 1000,
            max_export_batch_size=settings.max_export_batch_size,
        )
    )
    return provider


def sampler(settings: TracingSettings) -> Sampler:
    ratio = 1.0 if settings.sampler is None else settings.sampler
    root: Sampler = (
        ALWAYS_ON if ratio >= 1 else ALWAYS_OFF if ratio <= 0 else TraceIdRatioBased(ratio)
    )
    return ParentBased(root) if settings.parent_based is not False else root


def _exporter(settings: TracingSettings) -> SpanExporter:
    # Imported on use: each pulls in its own stack (requests; grpcio).
    if settings.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        endpoint = settings.endpoint or ""
        return GrpcExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter(endpoint=settings.endpoint)
