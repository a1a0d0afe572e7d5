"""`TracingSettings`: what the router traces and where it sends the spans.

router.yaml's `telemetry.exporters.tracing` (Apollo Router's names, parsed by the
edge) says it first; what it leaves unset comes from the standard OpenTelemetry
environment variables (`from_env`), as every OTel SDK reads them:

    OTEL_SDK_DISABLED=true                  tracing off, whatever else is set
    OTEL_TRACES_EXPORTER=none               no export (otlp: the default)
    OTEL_EXPORTER_OTLP_ENDPOINT             base URL; with it set, tracing is on
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT      the traces URL itself
    OTEL_EXPORTER_OTLP_PROTOCOL             grpc | http/protobuf (also *_TRACES_PROTOCOL)
    OTEL_SERVICE_NAME                       the resource's service.name
    OTEL_TRACES_SAMPLER(_ARG)               always_on | always_off | traceidratio | parentbased_*
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal
from urllib.parse import urlsplit

Protocol = Literal["grpc", "http"]

DEFAULT_SERVICE_NAME: Final = "router"
"""Apollo Router's default `service.name`."""
DEFAULT_GRPC_ENDPOINT: Final = "http://127.0.0.1:4317"
DEFAULT_HTTP_ENDPOINT: Final = "http://127.0.0.1:4318/v1/traces"
TRACES_PATH: Final = "/v1/traces"

_ENV_ENDPOINT: Final = "OTEL_EXPORTER_OTLP_ENDPOINT"
_ENV_TRACES_ENDPOINT: Final = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
_ENV_PROTOCOL: Final = "OTEL_EXPORTER_OTLP_PROTOCOL"
_ENV_TRACES_PROTOCOL: Final = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
_ENV_SERVICE_NAME: Final = "OTEL_SERVICE_NAME"
_ENV_SAMPLER: Final = "OTEL_TRACES_SAMPLER"
_ENV_SAMPLER_ARG: Final = "OTEL_TRACES_SAMPLER_ARG"
_ENV_DISABLED: Final = "OTEL_SDK_DISABLED"
_ENV_EXPORTER: Final = "OTEL_TRACES_EXPORTER"


class SettingsError(ValueError):
    """A value that cannot configure tracing; the message names the key or variable."""


@dataclass(frozen=True, slots=True)
class TracingSettings:
    """`None` fields: not said by router.yaml (the environment, then the default, decides)."""

    enabled: bool | None = None
    """`otlp.enabled`; None: on when an OTLP endpoint is set in the environment."""
    endpoint: str | None = None
    protocol: Protocol | None = None
    service_name: str | None = None
    sampler: float | None = None
    """The share of new traces recorded, 0 to 1 (`always_on` 1, `always_off` 0)."""
    parent_based: bool | None = None
    """`parent_based_sampler`: a caller's sampled flag decides for its trace (default true)."""
    trace_context: bool = True
    """`propagation.trace_context`: read `traceparent`/`tracestate` and send them on."""
    trust_incoming: bool = True
    """`propagation.trust_incoming` (ours): a client's trace context is the parent of the
    router's spans; false: a new trace, linked to the client's (a public edge)."""
    graphql_document: bool = False
    """Put the operation's text on its span (`graphql.document`): off, since literals in
    it may be personal data."""
    scheduled_delay: float = 5.0
    """Seconds between exports of the batch processor (`batch_processor.scheduled_delay`)."""
    max_queue_size: int = 2048
    max_export_batch_size: int = 512

    def resolved(self, env: Mapping[str, str]) -> TracingSettings:
        """These settings with what they leave open taken from `env` and the defaults;
        `enabled` is then True or False."""
        if env.get(_ENV_DISABLED, "").strip().lower() == "true":
            return replace(self, enabled=False)
        protocol = self.protocol or _env_protocol(env)
        endpoint = self.endpoint or _env_endpoint(env, protocol)
        enabled = self.enabled
        if enabled is None:
            exporter = env.get(_ENV_EXPORTER, "otlp").strip().lower()
            enabled = endpoint is not None and exporter != "none"
        if endpoint is None:
            endpoint = DEFAULT_GRPC_ENDPOINT if protocol == "grpc" else DEFAULT_HTTP_ENDPOINT
        elif protocol == "http" and urlsplit(endpoint).path in ("", "/"):
            endpoint = endpoint.rstrip("/") + TRACES_PATH
        sampler, parent_based = self.sampler, self.parent_based
        if sampler is None:
            env_sampler, env_parent_based = _env_sampler(env)
            sampler = env_sampler
            if parent_based is None:
                parent_based = env_parent_based
        return replace(
            self,
            enabled=enabled,
            endpoint=endpoint,
            protocol=protocol,
            service_name=self.service_name or env.get(_ENV_SERVICE_NAME) or DEFAULT_SERVICE_NAME,
            sampler=sampler,
            parent_based=True if parent_based is None else parent_based,
        )


def parse_sampler(value: object, where: str) -> float:
    """Apollo's `sampler`: a ratio from 0 to 1, or `always_on` / `always_off`."""
    if value == "always_on":
        return 1.0
    if value == "always_off":
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise SettingsError(f"{where}: a ratio from 0 to 1, always_on or always_off, not {value!r}")


def _env_protocol(env: Mapping[str, str]) -> Protocol:
    value = (env.get(_ENV_TRACES_PROTOCOL) or env.get(_ENV_PROTOCOL) or "").strip().lower()
    if value in ("", "http/protobuf"):
        return "http"  # the specification's default
    if value == "grpc":
        return "grpc"
    raise SettingsError(f"{_ENV_PROTOCOL}: grpc or http/protobuf, not {value!r}")


def _env_endpoint(env: Mapping[str, str], protocol: Protocol) -> str | None:
    traces = env.get(_ENV_TRACES_ENDPOINT, "").strip()
    if traces:
        return traces
    base = env.get(_ENV_ENDPOINT, "").strip()
    if not base:
        return None
    if protocol == "grpc":
        return base
    # The specification: the base URL gets the signal's path appended.
    return base.rstrip("/") + TRACES_PATH


def _env_sampler(env: Mapping[str, str]) -> tuple[float, bool | None]:
    name = env.get(_ENV_SAMPLER, "").strip().lower()
    arg = env.get(_ENV_SAMPLER_ARG, "").strip()
    parent_based: bool | None = None
    if name.startswith("parentbased_"):
        parent_based, name = True, name.removeprefix("parentbased_")
    elif name:
        parent_based = False
    if name in ("", "always_on"):
        return 1.0, parent_based
    if name == "always_off":
        return 0.0, parent_based
    if name == "traceidratio":
        try:
            ratio = float(arg) if arg else 1.0
        except ValueError:
            raise SettingsError(f"{_ENV_SAMPLER_ARG}: a ratio from 0 to 1, not {arg!r}") from None
        if not 0 <= ratio <= 1:
            raise SettingsError(f"{_ENV_SAMPLER_ARG}: a ratio from 0 to 1, not {arg!r}")
        return ratio, parent_based
    raise SettingsError(
        f"{_ENV_SAMPLER}: always_on, always_off, traceidratio or parentbased_*, not {name!r}"
    )
