"""OpenTelemetry metrics over OTLP, received over the wire and decoded with opentelemetry-proto.

The router is `build_app` (as `supergraph serve` builds it) with loopback
subgraphs (tests/http/test_tracing.py's stack); its metrics go to the receiver of
tests/kit/otlp_receiver.py, configured by router.yaml's
`telemetry.exporters.metrics.otlp` (Apollo Router's keys) or by the `OTEL_*`
variables alone. The instruments are the HTTP semantic conventions'.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from supergraph.http.config import ConfigError, parse_config
from supergraph.telemetry import metrics
from tests.http.test_tracing import start
from tests.kit.otlp_receiver import OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedPoint

SERVER = "http.server.request.duration"
CLIENT = "http.client.request.duration"
CUMULATIVE, DELTA = 2, 1


@pytest.fixture(autouse=True)
def export_off_afterwards() -> Iterator[None]:
    yield
    metrics.shutdown()  # the meter is process-wide: no test leaves it on for the next


def metrics_config(endpoint: str, protocol: str = "http", **otlp: Any) -> dict[str, Any]:
    return {
        "telemetry": {
            "exporters": {
                "metrics": {
                    "common": {"service_name": "edge"},
                    "otlp": {
                        "enabled": True,
                        "endpoint": endpoint,
                        "protocol": protocol,
                        "batch_processor": {"scheduled_delay": "100ms"},
                        **otlp,
                    },
                }
            }
        }
    }


async def points(
    receiver: OtlpHttpReceiver | OtlpGrpcReceiver,
    condition: Callable[[list[ReceivedPoint]], bool],
    what: str,
) -> list[ReceivedPoint]:
    found: list[ReceivedPoint] = await asyncio.to_thread(
        receiver.wait_for_points, condition, what=what
    )
    return found


def _latest(found: list[ReceivedPoint], name: str, **attributes: Any) -> ReceivedPoint | None:
    """The last point of `name` whose attributes include `attributes` (cumulative: the total)."""
    matching = [
        p
        for p in found
        if p.name == name and all(p.attributes.get(k) == v for k, v in attributes.items())
    ]
    return matching[-1] if matching else None


def _counted(name: str, count: int, **attributes: Any) -> Callable[[list[ReceivedPoint]], bool]:
    def holds(found: list[ReceivedPoint]) -> bool:
        point = _latest(found, name, **attributes)
        return point is not None and point.count >= count

    return holds


async def test_requests_and_subgraph_fetches_are_exported_over_otlp_http() -> None:
    with OtlpHttpReceiver() as receiver:
        async with AsyncExitStack() as exits:
            stack = await start(exits, metrics_config(receiver.endpoint))
            for _ in range(3):
                await stack.query("query Me { me { username } }")
            refused = await stack.client.post("/graphql", json={"query": "{ nope"})
            assert refused.status_code in (200, 400)
            found = await points(
                receiver,
                lambda got: (
                    _counted(SERVER, 3, **{"graphql.operation.name": "Me"})(got)
                    and _counted(CLIENT, 3, **{"subgraph.name": "accounts"})(got)
                    and _latest(got, SERVER, **{"http.response.status_code": refused.status_code})
                    is not None
                    and any(
                        p.name == SERVER and "graphql.operation.name" not in p.attributes
                        for p in got
                    )
                ),
                "request and fetch durations",
            )
    served = _latest(found, SERVER, **{"graphql.operation.name": "Me"})
    assert served is not None
    assert served.unit == "s" and served.service == "edge" and served.instance
    assert served.attributes == {
        "http.request.method": "POST",
        "url.scheme": "http",
        "http.route": "/graphql",
        "http.response.status_code": 200,
        "graphql.operation.name": "Me",
    }
    assert served.temporality == CUMULATIVE
    assert 0 < served.sum < 60 * served.count  # seconds, not milliseconds
    fetched = _latest(found, CLIENT, **{"subgraph.name": "accounts"})
    assert fetched is not None and fetched.unit == "s"
    assert fetched.attributes == {"subgraph.name": "accounts", "http.request.method": "POST"}


async def test_a_failed_fetch_carries_its_error_type() -> None:
    with OtlpHttpReceiver() as receiver:
        async with AsyncExitStack() as exits:
            stack = await start(exits, metrics_config(receiver.endpoint))
            stack.apps["accounts"].status = 502
            await stack.client.post("/graphql", json={"query": "query Me { me { username } }"})
            found = await points(
                receiver,
                lambda got: _latest(got, CLIENT, **{"error.type": "http_error"}) is not None,
                "a failed fetch",
            )
    failed = _latest(found, CLIENT, **{"error.type": "http_error"})
    assert failed is not None and failed.attributes["subgraph.name"] == "accounts"


def _value(found: list[ReceivedPoint], name: str, **attributes: Any) -> float:
    point = _latest(found, name, **attributes)
    return -1.0 if point is None else point.sum


HIT, MISS = "apollo.router.cache.hit.count", "apollo.router.cache.miss.count"


async def test_cache_and_persisted_query_counts_are_exported_under_apollo_names() -> None:
    """The counts /metrics reads at scrape time (plan and document caches, the entity
    cache, persisted queries) are observed at each export: Apollo Router's cache
    instruments, attribute `kind`."""
    query = "query Me { me { username } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    with OtlpHttpReceiver() as receiver:
        config = {
            **metrics_config(receiver.endpoint),
            "response_cache": {"enabled": True, "subgraph": {"all": {"enabled": True}}},
        }
        async with AsyncExitStack() as exits:
            stack = await start(exits, config)
            unknown = await stack.client.post("/graphql", json={"extensions": apq})
            assert "PERSISTED_QUERY_NOT_FOUND" in unknown.text
            registered = await stack.client.post(
                "/graphql", json={"query": query, "extensions": apq}
            )
            assert registered.json() == {"data": {"me": {"username": "ada"}}}
            for _ in range(2):
                assert await stack.query(query) == {"data": {"me": {"username": "ada"}}}

            def exported(got: list[ReceivedPoint]) -> bool:
                return (
                    _value(got, HIT, kind="plan") >= 2
                    and _value(got, MISS, kind="plan") >= 1
                    and _value(got, MISS, kind="entity") >= 1
                    and _value(got, HIT, kind="entity") >= 1
                    and _value(got, "supergraph.persisted_queries", result="miss") >= 1
                    and _value(got, "supergraph.persisted_queries", result="registered") >= 1
                    and _value(got, "apollo.router.cache.size", kind="plan") >= 1
                )

            found = await points(receiver, exported, "cache and persisted query counts")
    hits = _latest(found, HIT, kind="plan")
    assert hits is not None
    assert (hits.kind, hits.monotonic, hits.temporality, hits.unit) == (
        "sum",
        True,
        CUMULATIVE,
        "{lookup}",
    )
    assert hits.attributes == {"kind": "plan"}
    assert _value(found, HIT, kind="plan") + _value(found, MISS, kind="plan") >= 3
    size = _latest(found, "apollo.router.cache.size", kind="plan")
    assert size is not None and size.kind == "gauge"
    stored = _latest(found, "apollo.router.cache.storage.estimated_size", kind="plan")
    assert stored is not None and stored.unit == "By" and stored.sum > 0
    entity = _latest(found, MISS, kind="entity")
    assert entity is not None and entity.attributes["graphql.type.name"] == "Query"


async def test_metrics_go_over_otlp_grpc_with_delta_temporality() -> None:
    with OtlpGrpcReceiver() as receiver:
        async with AsyncExitStack() as exits:
            config = metrics_config(receiver.endpoint, "grpc", temporality="delta")
            stack = await start(exits, config)
            await stack.query("query Me { me { username } }")
            found = await points(receiver, _counted(SERVER, 1), "a request duration over gRPC")
    served = _latest(found, SERVER)
    assert served is not None and served.temporality == DELTA


async def test_the_otel_environment_variables_configure_metrics_without_router_yaml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with OtlpHttpReceiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "env-router")
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
        monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "100")
        async with AsyncExitStack() as exits:
            stack = await start(exits, {})
            await stack.query("query Me { me { username } }")
            found = await points(receiver, _counted(SERVER, 1), "a request duration")
    assert {p.service for p in found} == {"env-router"}


async def test_export_is_off_without_configuration() -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, {})
        await stack.query("query Me { me { username } }")
        assert not metrics.exporting()


@pytest.mark.parametrize(
    ("otlp", "key"),
    [
        ({"temporality": "monthly"}, "telemetry.exporters.metrics.otlp.temporality"),
        ({"protocol": "udp"}, "telemetry.exporters.metrics.otlp.protocol"),
        ({"batch_processor": {"scheduled_delay": 0}}, "scheduled_delay"),
        ({"exporter": "x"}, "telemetry.exporters.metrics.otlp.exporter"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(otlp: dict[str, Any], key: str) -> None:
    raw = {"telemetry": {"exporters": {"metrics": {"otlp": otlp}}}}
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(raw)
