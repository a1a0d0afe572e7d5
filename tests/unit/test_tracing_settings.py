"""router.yaml's `telemetry.exporters.tracing` over the `OTEL_*` variables: who wins, the
defaults, and errors that name the key or variable."""

from __future__ import annotations

import pytest

from supergraph.http.config import ConfigError, parse_config
from supergraph.telemetry.settings import SettingsError, TracingSettings


def tracing(raw: dict[str, object]) -> TracingSettings:
    config = parse_config({"telemetry": {"exporters": {"tracing": raw}}})
    return config.telemetry.tracing


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (False, "http", "http://127.0.0.1:4318/v1/traces", "router", 1.0, True)),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
            (True, "http", "http://collector:4318/v1/traces", "router", 1.0, True),
        ),
        (
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/custom"},
            (True, "http", "http://c:4318/custom", "router", 1.0, True),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            (True, "grpc", "http://c:4317", "router", 1.0, True),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_SERVICE_NAME": "edge",
                "OTEL_TRACES_SAMPLER": "traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "0.25",
            },
            (True, "http", "http://c:4318/v1/traces", "edge", 0.25, False),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_TRACES_SAMPLER": "parentbased_always_off",
            },
            (True, "http", "http://c:4318/v1/traces", "router", 0.0, True),
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_SDK_DISABLED": "true"}, (False,)),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_TRACES_EXPORTER": "none"}, (False,)),
    ],
)
def test_the_environment_fills_what_router_yaml_leaves_open(
    env: dict[str, str], expected: tuple[object, ...]
) -> None:
    resolved = TracingSettings().resolved(env)
    got = (
        resolved.enabled,
        resolved.protocol,
        resolved.endpoint,
        resolved.service_name,
        resolved.sampler,
        resolved.parent_based,
    )
    assert got[: len(expected)] == expected


def test_router_yaml_wins_over_the_environment() -> None:
    settings = tracing(
        {
            "common": {"service_name": "api", "sampler": 0.1, "parent_based_sampler": False},
            "otlp": {"enabled": True, "endpoint": "http://otel:4317", "protocol": "grpc"},
        }
    )
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://elsewhere:4318",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": "env-name",
        "OTEL_TRACES_SAMPLER": "always_on",
    }
    resolved = settings.resolved(env)
    assert (resolved.endpoint, resolved.protocol, resolved.service_name) == (
        "http://otel:4317",
        "grpc",
        "api",
    )
    assert (resolved.sampler, resolved.parent_based) == (0.1, False)
    # otlp.enabled: false turns tracing off even with an endpoint in the environment.
    assert tracing({"otlp": {"enabled": False}}).resolved(env).enabled is False


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"common": {"sampler": 1.5}}, "telemetry.exporters.tracing.common.sampler"),
        ({"common": {"sampler": "sometimes"}}, "telemetry.exporters.tracing.common.sampler"),
        ({"otlp": {"protocol": "udp"}}, "telemetry.exporters.tracing.otlp.protocol"),
        ({"otlp": {"endpiont": "x"}}, "telemetry.exporters.tracing.otlp.endpiont"),
        ({"propagation": {"trust_incoming": "yes"}}, "telemetry.exporters.tracing.propagation"),
        (
            {"otlp": {"batch_processor": {"scheduled_delay": "soon"}}},
            "telemetry.exporters.tracing.otlp.batch_processor.scheduled_delay",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        tracing(raw)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_PROTOCOL"),
        ({"OTEL_TRACES_SAMPLER": "sometimes"}, "OTEL_TRACES_SAMPLER"),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
            "OTEL_TRACES_SAMPLER_ARG",
        ),
    ],
)
def test_a_bad_variable_is_refused_naming_it(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        TracingSettings().resolved(env)


def test_admin_and_metrics_listen_addresses() -> None:
    config = parse_config(
        {
            "health_check": {"listen": "0.0.0.0:8088"},
            "telemetry": {
                "exporters": {"metrics": {"prometheus": {"listen": "[::]:9090", "path": "/m"}}}
            },
        }
    )
    admin = config.telemetry.admin
    assert str(admin.health_listen) == "0.0.0.0:8088"
    assert admin.metrics_listen is not None and (
        admin.metrics_listen.host,
        admin.metrics_listen.port,
    ) == ("::", 9090)
    assert admin.metrics_path == "/m"
    with pytest.raises(ConfigError, match=r"health_check\.listen"):
        parse_config({"health_check": {"listen": "8088"}})
