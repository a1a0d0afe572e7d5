"""Telemetry that crosses the pipeline's stages: OpenTelemetry tracing and metrics (docs/observability.md).

settings.py   TracingSettings: router.yaml `telemetry.exporters.tracing` over `OTEL_*`
setup.py      the SDK: a TracerProvider with its sampler and OTLP exporter
tracing.py    what the stages call: spans that cost nothing while tracing is off
record.py     per-request counters for the access log (subgraph fetches)
metrics_settings.py  MetricsSettings: router.yaml `telemetry.exporters.metrics.otlp` over `OTEL_*`
metrics.py    OpenTelemetry metrics (semantic-convention instruments) over OTLP
"""
