"""Tracing in one router process over real HTTP: W3C trace context in and out, trust,
sampling, de-duplication across traces, OTLP over gRPC, the `OTEL_*` variables.

The router is `build_app` (as `supergraph serve` builds it) in the test's loop,
its subgraphs are graphql-core apps that record the headers they receive
(tests/http/loopback.py), and its spans go over the wire to a receiver decoding
opentelemetry-proto (tests/kit/otlp_receiver.py). The whole trees, through the
bundled subgraphs and their SQL, are tests/e2e/test_otlp_traces.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from supergraph.telemetry import setup
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import GraphQLApp, serve
from tests.http.test_end_to_end import subgraph_apps
from tests.kit.otlp_receiver import SERVER, OtlpGrpcReceiver, OtlpHttpReceiver, ReceivedSpan

TRACE_A = "0af7651916cd43dd8448eb211c80319c"
TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "b7ad6b7169203331"


def traceparent(trace_id: str, sampled: bool = True) -> str:
    return f"00-{trace_id}-{PARENT}-{'01' if sampled else '00'}"


def is_sampled(headers: dict[str, str]) -> bool:
    """The W3C sampled flag (bit 0 of the flags; the SDK may also set bit 1, random)."""
    return bool(int(headers["traceparent"].split("-")[3], 16) & 1)


@pytest.fixture(autouse=True)
def tracing_off_afterwards() -> Iterator[None]:
    yield
    setup.shutdown()  # the tracer is process-wide: no test leaves it on for the next


@pytest.fixture
def receiver() -> Iterator[OtlpHttpReceiver]:
    with OtlpHttpReceiver() as running:
        yield running


def tracing_config(endpoint: str, protocol: str = "http", **tracing: Any) -> dict[str, Any]:
    common = tracing.pop("common", {})
    propagation = tracing.pop("propagation", {})
    return {
        "telemetry": {
            "exporters": {
                "tracing": {
                    "common": {"service_name": "router", **common},
                    "propagation": propagation,
                    "otlp": {
                        "enabled": True,
                        "endpoint": endpoint,
                        "protocol": protocol,
                        "batch_processor": {"scheduled_delay": "50ms"},
                    },
                }
            },
            **tracing,
        }
    }


class Stack:
    def __init__(self, client: httpx.AsyncClient, apps: dict[str, GraphQLApp]) -> None:
        self.client = client
        self.apps = apps

    async def query(self, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def received(self, subgraph: str) -> list[dict[str, str]]:
        return self.apps[subgraph].headers


async def start(exits: AsyncExitStack, raw: dict[str, Any], delay: float = 0.0) -> Stack:
    apps = subgraph_apps(2)
    apps["accounts"].delay = delay
    urls = {name: await exits.enter_async_context(serve(app.app)) for name, app in apps.items()}
    raw = {**raw, "subgraphs": {name: {"url": f"{url}/graphql"} for name, url in urls.items()}}
    router = await exits.enter_async_context(serve(build_app(SUPERGRAPH_SDL, parse_config(raw))))
    client = await exits.enter_async_context(httpx.AsyncClient(base_url=router, timeout=30))
    return Stack(client, apps)


async def wait_for(receiver: Any, condition: Any, what: str) -> list[ReceivedSpan]:
    spans: list[ReceivedSpan] = await asyncio.to_thread(receiver.wait_for, condition, what=what)
    return spans


@pytest.mark.parametrize("client", ["http1", "aiohttp"])
async def test_identical_fetches_of_two_traces_share_one_request_and_link_to_its_span(
    receiver: OtlpHttpReceiver, client: str
) -> None:
    """Either HTTP client (aiohttp's takes no encoded body: the tracing transport must
    not claim to, or the de-duplicator hands it one)."""
    config = {**tracing_config(receiver.endpoint), "traffic_shaping": {"http_client": client}}
    async with AsyncExitStack() as exits:
        stack = await start(exits, config, delay=0.5)
        both = await asyncio.gather(
            stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_A)}),
            stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_B)}),
        )
    assert both[0] == both[1] == {"data": {"me": {"username": "ada"}}}
    # The trace headers are not part of the de-duplication key: one request went out.
    [sent] = stack.received("accounts")
    sent_trace = sent["traceparent"].split("-")[1]
    joined_trace = TRACE_B if sent_trace == TRACE_A else TRACE_A
    spans = await wait_for(
        receiver,
        lambda spans: sum(s.name == "fetch" for s in spans) == 2,
        "the fetch spans of both traces",
    )
    [sender] = [s for s in spans if s.name == "fetch" and s.trace_id == sent_trace]
    [joiner] = [s for s in spans if s.name == "fetch" and s.trace_id == joined_trace]
    [client] = [s for s in spans if s.name == "POST" and s.parent_span_id == sender.span_id]
    # The request carried the sender's client span; the joiner points at the sender.
    assert sent["traceparent"].split("-")[2] == client.span_id and is_sampled(sent)
    assert joiner.attributes["supergraph.fetch.deduplicated"] is True
    assert joiner.links == ((sent_trace, sender.span_id),)
    assert not [s for s in spans if s.name == "POST" and s.trace_id == joined_trace]


async def test_an_untrusted_client_context_starts_a_new_trace_linked_to_it(
    receiver: OtlpHttpReceiver,
) -> None:
    config = tracing_config(receiver.endpoint, propagation={"trust_incoming": False})
    async with AsyncExitStack() as exits:
        stack = await start(exits, config)
        await stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_A)})
    spans = await wait_for(
        receiver, lambda spans: any(s.kind == SERVER for s in spans), "the server span"
    )
    [server] = [s for s in spans if s.kind == SERVER]
    assert server.root and server.trace_id != TRACE_A
    assert server.links == ((TRACE_A, PARENT),)
    [sent] = stack.received("accounts")
    assert sent["traceparent"].split("-")[1] == server.trace_id


async def test_a_client_trace_not_sampled_is_passed_on_unsampled_and_not_recorded(
    receiver: OtlpHttpReceiver,
) -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, tracing_config(receiver.endpoint))
        await stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_A, False)})
        await stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_B)})
    spans = await wait_for(
        receiver, lambda spans: any(s.trace_id == TRACE_B for s in spans), "the sampled trace"
    )
    assert not [s for s in spans if s.trace_id == TRACE_A]
    unsampled, sampled = stack.received("accounts")
    # The subgraph continues the client's trace, with its not-sampled flag.
    assert unsampled["traceparent"].split("-")[1] == TRACE_A and not is_sampled(unsampled)
    assert sampled["traceparent"].split("-")[1] == TRACE_B and is_sampled(sampled)


async def test_sampling_ratio_zero_records_nothing_but_still_propagates(
    receiver: OtlpHttpReceiver,
) -> None:
    config = tracing_config(receiver.endpoint, common={"sampler": 0.0})
    async with AsyncExitStack() as exits:
        stack = await start(exits, config)
        await stack.query("{ me { username } }")
    [sent] = stack.received("accounts")
    assert not is_sampled(sent)
    setup.shutdown()  # exports whatever was held: nothing
    assert receiver.spans == []


async def test_without_trace_context_propagation_no_trace_header_goes_out(
    receiver: OtlpHttpReceiver,
) -> None:
    config = tracing_config(receiver.endpoint, propagation={"trace_context": False})
    async with AsyncExitStack() as exits:
        stack = await start(exits, config)
        await stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_A)})
    [sent] = stack.received("accounts")
    assert "traceparent" not in sent
    spans = await wait_for(receiver, lambda spans: any(s.kind == SERVER for s in spans), "spans")
    [server] = [s for s in spans if s.kind == SERVER]
    assert server.root and server.trace_id != TRACE_A  # the client's context was not read


async def test_the_operation_text_goes_on_its_span_only_when_configured(
    receiver: OtlpHttpReceiver,
) -> None:
    config = tracing_config(receiver.endpoint)
    config["telemetry"]["instrumentation"] = {
        "spans": {"supergraph": {"attributes": {"graphql.document": True}}}
    }
    async with AsyncExitStack() as exits:
        stack = await start(exits, config)
        await stack.query("query Me { me { username } }")
    spans = await wait_for(
        receiver, lambda spans: any(s.name == "query Me" for s in spans), "the operation span"
    )
    [operation] = [s for s in spans if s.name == "query Me"]
    assert operation.attributes["graphql.document"] == "query Me { me { username } }"


async def test_spans_go_over_otlp_grpc() -> None:
    with OtlpGrpcReceiver() as grpc_receiver:
        async with AsyncExitStack() as exits:
            stack = await start(exits, tracing_config(grpc_receiver.endpoint, protocol="grpc"))
            await stack.query("query Me { me { username } }")
        spans = await wait_for(
            grpc_receiver, lambda spans: any(s.kind == SERVER for s in spans), "spans over gRPC"
        )
    names = {s.name for s in spans}
    assert {"POST /graphql", "query Me", "fetch", "POST"} <= names
    assert {s.service for s in spans} == {"router"}


async def test_the_otel_environment_variables_configure_tracing_without_router_yaml(
    receiver: OtlpHttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "edge-router")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "1.0")
    async with AsyncExitStack() as exits:
        stack = await start(exits, {})
        await stack.query("{ me { username } }")
        setup.shutdown()  # flushes (the default batch delay is 5 s)
    assert {s.service for s in receiver.spans} == {"edge-router"}
    assert any(s.kind == SERVER for s in receiver.spans)


async def test_tracing_is_off_without_configuration_and_sends_no_trace_header() -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, {})
        await stack.query("{ me { username } }", {"traceparent": traceparent(TRACE_A)})
    [sent] = stack.received("accounts")
    assert "traceparent" not in sent
