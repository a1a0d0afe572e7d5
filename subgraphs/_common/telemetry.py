"""A subgraph continues the router's trace: server span, GraphQL spans, SQL spans.

    provider = tracer_provider_from_env("products")   # None: tracing off
    app = traced(app, provider)                       # the ASGI app to serve

Configured by the standard OpenTelemetry environment variables only (a subgraph
has no router.yaml): tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, unless `OTEL_SDK_DISABLED=true` or
`OTEL_TRACES_EXPORTER=none`; `OTEL_EXPORTER_OTLP_PROTOCOL` picks grpc or
http/protobuf, `OTEL_TRACES_SAMPLER(_ARG)` the sampler (parent-based by default:
the router's sampled flag decides), `OTEL_SERVICE_NAME` the service name (default:
the subgraph's name). `supergraph dev` passes them on (with each subgraph's name).

The spans: the HTTP server span of each request, its parent the router's
`traceparent` (opentelemetry-instrumentation-asgi); Strawberry's operation,
parsing, validation and resolver spans (its OpenTelemetryExtension); one span per
SQL statement (opentelemetry-instrumentation-sqlalchemy).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from starlette.applications import Starlette
from starlette.types import ASGIApp

_ENDPOINTS: Final = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracer_provider_from_env(
    service: str, env: Mapping[str, str] | None = None
) -> TracerProvider | None:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return None
    if not any(env.get(name, "").strip() for name in _ENDPOINTS):
        return None
    # The sampler and the batch processor's settings come from the environment too
    # (the SDK reads OTEL_TRACES_SAMPLER and OTEL_BSP_* itself).
    provider = TracerProvider(
        resource=Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service})
    )
    provider.add_span_processor(BatchSpanProcessor(_exporter(env)))
    return provider


def _exporter(env: Mapping[str, str]) -> SpanExporter:
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or ""
    )
    # Imported on use: each brings its own stack (grpcio; requests). Both read their
    # endpoint from the environment.
    if protocol.strip().lower() == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter()


def traced(app: Starlette, provider: TracerProvider) -> ASGIApp:
    """`app` with its server, GraphQL and SQL spans sent through `provider`."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from strawberry.extensions.tracing import OpenTelemetryExtension

    # skip_dep_check: the instrumentation declares SQLAlchemy < 2.1, and would otherwise
    # do nothing, silently, on the 2.1 the project uses (its engine events are unchanged).
    SQLAlchemyInstrumentor().instrument(
        engine=app.state.database.engine.sync_engine,
        tracer_provider=provider,
        skip_dep_check=True,
    )
    schema: Any = app.state.domain.schema
    # Strawberry builds the extensions of each request from this tuple, so one added
    # now runs for every request from now on.
    schema.extensions = (
        *schema.extensions,
        functools.partial(OpenTelemetryExtension, tracer_provider=provider),
    )
    return OpenTelemetryMiddleware(
        app,
        tracer_provider=provider,
        excluded_urls="/health,/metrics",  # probes and scrapes are no one's trace
        exclude_spans=["receive", "send"],
    )
