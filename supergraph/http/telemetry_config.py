"""router.yaml's `telemetry` and `health_check` sections, in Apollo Router's names.

    telemetry:
      instrumentation:
        spans:
          supergraph:
            attributes:
              graphql.document: false        # the operation text on its span (off: literals)
        events:
          router:
            response: info                   # the access log line per request (info | off)
      exporters:
        tracing:
          common:
            service_name: router
            sampler: 1.0                     # or always_on / always_off
            parent_based_sampler: true
          propagation:
            trace_context: true
            trust_incoming: true             # ours: false = a new trace linked to the client's
          otlp:
            enabled: true
            endpoint: http://127.0.0.1:4317
            protocol: grpc                   # or http (protobuf)
            batch_processor: {scheduled_delay: 5s, max_queue_size: 2048, max_export_batch_size: 512}
        logging:
          stdout:
            format: json                     # or text (default: text on a terminal, else json)
        metrics:
          common:
            service_name: router
          otlp:                              # OpenTelemetry metrics (semantic conventions)
            enabled: true
            endpoint: http://127.0.0.1:4317
            protocol: grpc                   # or http (protobuf)
            temporality: cumulative          # or delta
            batch_processor: {scheduled_delay: 60s}   # between exports
          prometheus:
            enabled: true
            listen: 127.0.0.1:9090
            path: /metrics
    health_check:
      enabled: true
      listen: 127.0.0.1:8088
      path: /health

What router.yaml leaves unset comes from the `OTEL_*` environment variables
(telemetry/settings.py), then the defaults (docs/observability.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.telemetry.metrics_settings import MetricsSettings
from supergraph.telemetry.settings import SettingsError, TracingSettings, parse_sampler

LogFormat = Literal["json", "text"]

DEFAULT_ADMIN_LISTEN: Final = "127.0.0.1:8088"
"""Apollo Router's health check address; the metrics join it unless given their own."""


@dataclass(frozen=True, slots=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class AdminConfig:
    """The admin listener: `/health`, `/health/ready` and the Prometheus metrics, off the
    public port (health_check and telemetry.exporters.metrics.prometheus)."""

    health_enabled: bool = True
    health_listen: Listen = field(default_factory=lambda: _listen(DEFAULT_ADMIN_LISTEN, ""))
    health_path: str = "/health"
    metrics_enabled: bool = True
    metrics_listen: Listen | None = None
    """None: on the health check's listener."""
    metrics_path: str = "/metrics"
    explicit: bool = False
    """`health_check.listen` was given: failing to listen there stops the router (the
    default address taken is only a warning: the public port still has /health)."""


@dataclass(frozen=True, slots=True)
class TelemetryConfig:
    tracing: TracingSettings = field(default_factory=TracingSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    """OpenTelemetry metrics over OTLP (`exporters.metrics.otlp`); Prometheus: `admin`."""
    access_log: bool = True
    """`instrumentation.events.router.response: info`: one log line per request."""
    log_format: LogFormat | None = None
    """None: the environment (`SUPERGRAPH_LOG_FORMAT`), else text on a terminal, else json."""
    admin: AdminConfig = field(default_factory=AdminConfig)


TOP_KEYS: Final = frozenset({"telemetry", "health_check"})


def parse_telemetry(top: Mapping[str, object]) -> TelemetryConfig:
    telemetry = v.section(top, "telemetry", {"instrumentation", "exporters"})
    exporters = v.mapping(_or_empty(telemetry.get("exporters")), "telemetry.exporters")
    v.only(exporters, {"tracing", "logging", "metrics"}, "telemetry.exporters.")
    try:
        tracing = _tracing(exporters, telemetry)
    except SettingsError as error:
        raise ConfigError(str(error)) from error
    return TelemetryConfig(
        tracing=tracing,
        metrics=_metrics(exporters),
        access_log=_access_log(telemetry),
        log_format=_log_format(exporters),
        admin=_admin(top, exporters),
    )


def _tracing(exporters: Mapping[str, object], telemetry: Mapping[str, object]) -> TracingSettings:
    where = "telemetry.exporters.tracing"
    tracing = v.mapping(_or_empty(exporters.get("tracing")), where)
    v.only(tracing, {"common", "propagation", "otlp"}, f"{where}.")
    common = v.mapping(_or_empty(tracing.get("common")), f"{where}.common")
    v.only(common, {"service_name", "sampler", "parent_based_sampler"}, f"{where}.common.")
    propagation = v.mapping(_or_empty(tracing.get("propagation")), f"{where}.propagation")
    v.only(propagation, {"trace_context", "trust_incoming"}, f"{where}.propagation.")
    otlp = v.mapping(_or_empty(tracing.get("otlp")), f"{where}.otlp")
    v.only(otlp, {"enabled", "endpoint", "protocol", "batch_processor"}, f"{where}.otlp.")
    batch = v.mapping(_or_empty(otlp.get("batch_processor")), f"{where}.otlp.batch_processor")
    v.only(
        batch,
        {"scheduled_delay", "max_queue_size", "max_export_batch_size"},
        f"{where}.otlp.batch_processor.",
    )
    defaults = TracingSettings()
    endpoint = otlp.get("endpoint")
    protocol = otlp.get("protocol")
    sampler = common.get("sampler")
    parent_based = common.get("parent_based_sampler")
    enabled = otlp.get("enabled")
    return TracingSettings(
        enabled=None if enabled is None else v.boolean(enabled, f"{where}.otlp.enabled"),
        endpoint=None
        if endpoint in (None, "default")
        else v.string(endpoint, f"{where}.otlp.endpoint"),
        protocol=None
        if protocol is None
        else "grpc"
        if v.choice(protocol, ("grpc", "http"), f"{where}.otlp.protocol") == "grpc"
        else "http",
        service_name=v.optional_string(common.get("service_name"), f"{where}.common.service_name"),
        sampler=None if sampler is None else parse_sampler(sampler, f"{where}.common.sampler"),
        parent_based=None
        if parent_based is None
        else v.boolean(parent_based, f"{where}.common.parent_based_sampler"),
        trace_context=v.boolean(
            propagation.get("trace_context", True), f"{where}.propagation.trace_context"
        ),
        trust_incoming=v.boolean(
            propagation.get("trust_incoming", True), f"{where}.propagation.trust_incoming"
        ),
        graphql_document=_document_attribute(telemetry),
        scheduled_delay=v.duration(
            batch.get("scheduled_delay", defaults.scheduled_delay),
            f"{where}.otlp.batch_processor.scheduled_delay",
        ),
        max_queue_size=v.positive_int(
            batch.get("max_queue_size", defaults.max_queue_size),
            f"{where}.otlp.batch_processor.max_queue_size",
        ),
        max_export_batch_size=v.positive_int(
            batch.get("max_export_batch_size", defaults.max_export_batch_size),
            f"{where}.otlp.batch_processor.max_export_batch_size",
        ),
    )


def _metrics(exporters: Mapping[str, object]) -> MetricsSettings:
    where = "telemetry.exporters.metrics"
    metrics = v.mapping(_or_empty(exporters.get("metrics")), where)
    common = v.mapping(_or_empty(metrics.get("common")), f"{where}.common")
    v.only(common, {"service_name"}, f"{where}.common.")
    otlp = v.mapping(_or_empty(metrics.get("otlp")), f"{where}.otlp")
    v.only(
        otlp,
        {"enabled", "endpoint", "protocol", "temporality", "batch_processor"},
        f"{where}.otlp.",
    )
    batch = v.mapping(_or_empty(otlp.get("batch_processor")), f"{where}.otlp.batch_processor")
    v.only(batch, {"scheduled_delay"}, f"{where}.otlp.batch_processor.")
    enabled, endpoint, protocol = otlp.get("enabled"), otlp.get("endpoint"), otlp.get("protocol")
    delay = batch.get("scheduled_delay")
    temporality = v.choice(
        otlp.get("temporality", "cumulative"), ("cumulative", "delta"), f"{where}.otlp.temporality"
    )
    return MetricsSettings(
        enabled=None if enabled is None else v.boolean(enabled, f"{where}.otlp.enabled"),
        endpoint=None
        if endpoint in (None, "default")
        else v.string(endpoint, f"{where}.otlp.endpoint"),
        protocol=None
        if protocol is None
        else "grpc"
        if v.choice(protocol, ("grpc", "http"), f"{where}.otlp.protocol") == "grpc"
        else "http",
        service_name=v.optional_string(common.get("service_name"), f"{where}.common.service_name"),
        interval=None
        if delay is None
        else v.duration(delay, f"{where}.otlp.batch_processor.scheduled_delay"),
        temporality="delta" if temporality == "delta" else "cumulative",
    )


def _document_attribute(telemetry: Mapping[str, object]) -> bool:
    where = "telemetry.instrumentation"
    instrumentation = v.mapping(_or_empty(telemetry.get("instrumentation")), where)
    v.only(instrumentation, {"spans", "events"}, f"{where}.")
    spans = v.mapping(_or_empty(instrumentation.get("spans")), f"{where}.spans")
    v.only(spans, {"supergraph"}, f"{where}.spans.")
    supergraph = v.mapping(_or_empty(spans.get("supergraph")), f"{where}.spans.supergraph")
    v.only(supergraph, {"attributes"}, f"{where}.spans.supergraph.")
    attributes = v.mapping(
        _or_empty(supergraph.get("attributes")), f"{where}.spans.supergraph.attributes"
    )
    v.only(attributes, {"graphql.document"}, f"{where}.spans.supergraph.attributes.")
    return v.boolean(
        attributes.get("graphql.document", False),
        f"{where}.spans.supergraph.attributes.graphql.document",
    )


def _access_log(telemetry: Mapping[str, object]) -> bool:
    where = "telemetry.instrumentation"
    instrumentation = v.mapping(_or_empty(telemetry.get("instrumentation")), where)
    events = v.mapping(_or_empty(instrumentation.get("events")), f"{where}.events")
    v.only(events, {"router"}, f"{where}.events.")
    router = v.mapping(_or_empty(events.get("router")), f"{where}.events.router")
    v.only(router, {"response"}, f"{where}.events.router.")
    level = router.get("response", "info")
    return v.choice(level, ("info", "off"), f"{where}.events.router.response") == "info"


def _log_format(exporters: Mapping[str, object]) -> LogFormat | None:
    where = "telemetry.exporters.logging"
    logging = v.mapping(_or_empty(exporters.get("logging")), where)
    v.only(logging, {"stdout"}, f"{where}.")
    stdout = v.mapping(_or_empty(logging.get("stdout")), f"{where}.stdout")
    v.only(stdout, {"enabled", "format"}, f"{where}.stdout.")
    # Accepted for Apollo configurations; logs always go to stdout/stderr here.
    v.boolean(stdout.get("enabled", True), f"{where}.stdout.enabled")
    value = stdout.get("format")
    if value is None:
        return None
    return (
        "json" if v.choice(value, ("json", "text"), f"{where}.stdout.format") == "json" else "text"
    )


def _admin(top: Mapping[str, object], exporters: Mapping[str, object]) -> AdminConfig:
    health = v.section(top, "health_check", {"enabled", "listen", "path"})
    where = "telemetry.exporters.metrics"
    metrics = v.mapping(_or_empty(exporters.get("metrics")), where)
    v.only(metrics, {"common", "otlp", "prometheus"}, f"{where}.")
    prometheus = v.mapping(_or_empty(metrics.get("prometheus")), f"{where}.prometheus")
    v.only(prometheus, {"enabled", "listen", "path"}, f"{where}.prometheus.")
    metrics_listen = prometheus.get("listen")
    return AdminConfig(
        health_enabled=v.boolean(health.get("enabled", True), "health_check.enabled"),
        health_listen=_listen(health.get("listen", DEFAULT_ADMIN_LISTEN), "health_check.listen"),
        health_path=_path(health.get("path", "/health"), "health_check.path"),
        metrics_enabled=v.boolean(prometheus.get("enabled", True), f"{where}.prometheus.enabled"),
        metrics_listen=None
        if metrics_listen is None
        else _listen(metrics_listen, f"{where}.prometheus.listen"),
        metrics_path=_path(prometheus.get("path", "/metrics"), f"{where}.prometheus.path"),
        explicit="listen" in health or metrics_listen is not None,
    )


def _listen(value: object, where: str) -> Listen:
    """`host:port` (IPv6 in brackets); port 0: any free port (tests)."""
    text = value if isinstance(value, str) else ""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"{where}: expected host:port (e.g. 127.0.0.1:8088), got {value!r}")
    return Listen(host, int(port))


def _path(value: object, where: str) -> str:
    path = v.string(value, where)
    if not path.startswith("/"):
        raise ConfigError(f"{where}: expected a path starting with /, got {value!r}")
    return path


def _or_empty(value: object) -> object:
    return {} if value is None else value
