"""`MetricsSettings`: whether and where the router exports OpenTelemetry metrics (OTLP).

router.yaml's `telemetry.exporters.metrics.otlp` (Apollo Router's names, parsed by
the edge) says it first; what it leaves unset comes from the standard
OpenTelemetry environment variables, as every OTel SDK reads them:

    OTEL_SDK_DISABLED=true                  metrics export off, whatever else is set
    OTEL_METRICS_EXPORTER=none              no export (otlp: the default)
    OTEL_EXPORTER_OTLP_ENDPOINT             base URL; with it set, export is on
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT     the metrics URL itself
    OTEL_EXPORTER_OTLP_PROTOCOL             grpc | http/protobuf (also *_METRICS_PROTOCOL)
    OTEL_SERVICE_NAME                       the resource's service.name
    OTEL_METRIC_EXPORT_INTERVAL             milliseconds between exports (60000)

The Prometheus exposition on the admin listener does not depend on any of this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal
from urllib.parse import urlsplit

from supergraph.telemetry.settings import (
    DEFAULT_GRPC_ENDPOINT,
    DEFAULT_SERVICE_NAME,
    Protocol,
    SettingsError,
)

Temporality = Literal["cumulative", "delta"]

DEFAULT_HTTP_ENDPOINT: Final = "http://127.0.0.1:4318/v1/metrics"
METRICS_PATH: Final = "/v1/metrics"
DEFAULT_INTERVAL: Final = 60.0
"""Seconds between exports: the SDK's default (OTEL_METRIC_EXPORT_INTERVAL)."""


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """`None` fields: not said by router.yaml (the environment, then the default, decides)."""

    enabled: bool | None = None
    """`otlp.enabled`; None: on when an OTLP endpoint is set in the environment."""
    endpoint: str | None = None
    protocol: Protocol | None = None
    service_name: str | None = None
    interval: float | None = None
    """`otlp.batch_processor.scheduled_delay`: seconds between exports."""
    temporality: Temporality = "cumulative"
    """`otlp.temporality`: cumulative (Prometheus-like sums) or delta (per export)."""

    def resolved(self, env: Mapping[str, str]) -> MetricsSettings:
        """These settings with what they leave open taken from `env` and the defaults;
        `enabled` is then True or False."""
        if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return replace(self, enabled=False)
        protocol = self.protocol or _env_protocol(env)
        endpoint = self.endpoint or _env_endpoint(env, protocol)
        enabled = self.enabled
        if enabled is None:
            exporter = env.get("OTEL_METRICS_EXPORTER", "otlp").strip().lower()
            enabled = endpoint is not None and exporter != "none"
        if endpoint is None:
            endpoint = DEFAULT_GRPC_ENDPOINT if protocol == "grpc" else DEFAULT_HTTP_ENDPOINT
        elif protocol == "http" and urlsplit(endpoint).path in ("", "/"):
            endpoint = endpoint.rstrip("/") + METRICS_PATH
        return replace(
            self,
            enabled=enabled,
            endpoint=endpoint,
            protocol=protocol,
            service_name=self.service_name or env.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME,
            interval=self.interval if self.interval is not None else _env_interval(env),
        )


def _env_protocol(env: Mapping[str, str]) -> Protocol:
    name = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
    value = (env.get(name) or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "").strip().lower()
    if value in ("", "http/protobuf"):
        return "http"  # the specification's default
    if value == "grpc":
        return "grpc"
    raise SettingsError(f"OTEL_EXPORTER_OTLP_PROTOCOL: grpc or http/protobuf, not {value!r}")


def _env_endpoint(env: Mapping[str, str], protocol: Protocol) -> str | None:
    own = env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "").strip()
    if own:
        return own
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if not base:
        return None
    # The specification: an HTTP base URL gets the signal's path appended.
    return base if protocol == "grpc" else base.rstrip("/") + METRICS_PATH


def _env_interval(env: Mapping[str, str]) -> float:
    text = env.get("OTEL_METRIC_EXPORT_INTERVAL", "").strip()
    if not text:
        return DEFAULT_INTERVAL
    try:
        millis = float(text)
    except ValueError:
        millis = -1
    if millis <= 0:
        raise SettingsError(f"OTEL_METRIC_EXPORT_INTERVAL: milliseconds above 0, not {text!r}")
    return millis / 1000
