"""The span tree of a query across the five domains, received by a real OTLP receiver over the wire.

The bundled subgraphs and the router run as processes (tests/kit/traced_stack.py),
each exporting over OTLP HTTP/protobuf to the receiver (tests/kit/otlp_receiver.py,
decoding with opentelemetry-proto): the router configured by router.yaml
(`telemetry.exporters.tracing`), the subgraphs by the `OTEL_*` variables alone.
A client sends a W3C `traceparent`; the trace must continue it: router stages,
one fetch per subgraph, the HTTP client span, the subgraph's server span, its
GraphQL spans and its SQL statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.system import STAFF_USER, make_keys, security_config
from tests.kit.otlp_receiver import CLIENT, SERVER, OtlpHttpReceiver, ReceivedSpan
from tests.kit.traced_stack import TracedStack

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
QUERY = """query LatestReviews {
  latestReviews(first: 3) {
    body
    author { name orders(first: 1) { id } }
    product { name inStock }
  }
}"""
DOMAINS = {"reviews", "accounts", "products", "inventory", "orders"}
"""The subgraphs LatestReviews reaches (reviews, then authors, their orders, products,
stock). The authors' orders need a caller allowed to read them (scope orders:read):
the router verifies the client's token and signs its identity for the subgraphs."""


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpHttpReceiver]:
    with OtlpHttpReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def stack(
    receiver: OtlpHttpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TracedStack]:
    config = {
        "telemetry": {
            "exporters": {
                "tracing": {
                    "common": {"service_name": "router", "sampler": "always_on"},
                    "otlp": {
                        "enabled": True,
                        "protocol": "http",
                        "endpoint": receiver.endpoint,
                        "batch_processor": {"scheduled_delay": "100ms"},
                    },
                }
            }
        }
    }
    workdir = tmp_path_factory.mktemp("otlp")
    users, _router = make_keys(workdir / "keys")
    identity = {"SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE": str(workdir / "keys" / "router.pub")}
    config.update(security_config(workdir / "keys"))
    running = TracedStack(workdir, receiver.endpoint, config, extra_env=identity)
    running.signed_in = {"authorization": f"Bearer {users.sign(str(STAFF_USER), ('orders:read',))}"}
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _by_id(spans: list[ReceivedSpan]) -> dict[str, ReceivedSpan]:
    return {span.span_id: span for span in spans}


def _ancestors(span: ReceivedSpan, index: dict[str, ReceivedSpan]) -> list[ReceivedSpan]:
    chain = []
    while span.parent_span_id in index:
        span = index[span.parent_span_id]
        chain.append(span)
    return chain


def _complete(spans: list[ReceivedSpan]) -> bool:
    """Every service's server span and every subgraph's SQL spans of the client's trace."""
    mine = [s for s in spans if s.trace_id == CLIENT_TRACE]
    sql = {s.service for s in mine if s.attributes.get("db.system")}
    served = {s.service for s in mine if s.kind == SERVER}
    return served == {"router", *DOMAINS} and sql >= DOMAINS


def test_a_query_is_one_trace_from_the_client_through_the_router_to_each_subgraphs_sql(
    stack: TracedStack, receiver: OtlpHttpReceiver
) -> None:
    headers = {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01", **stack.signed_in}
    response = stack.post(QUERY, headers=headers)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    reviews = response.json()["data"]["latestReviews"]
    assert any(review["author"]["orders"] for review in reviews)  # orders answered
    spans = receiver.wait_for(_complete, what="router, subgraph and SQL spans of the trace")
    trace = [s for s in spans if s.trace_id == CLIENT_TRACE]
    index = _by_id(trace)

    # The router: its server span continues the client's, the stages hang below it.
    [server] = [s for s in trace if s.service == "router" and s.kind == SERVER]
    assert server.name == "POST /graphql"
    assert server.parent_span_id == CLIENT_SPAN
    assert server.attributes["http.request.method"] == "POST"
    assert server.attributes["http.route"] == "/graphql"
    assert server.attributes["http.response.status_code"] == 200
    [operation] = [s for s in trace if s.parent_span_id == server.span_id]
    assert operation.name == "query LatestReviews"
    assert operation.attributes["graphql.operation.name"] == "LatestReviews"
    assert operation.attributes["graphql.operation.type"] == "query"
    assert "graphql.document" not in operation.attributes  # off unless configured
    stages = {s.name: s for s in trace if s.parent_span_id == operation.span_id}
    assert set(stages) == {"parse_query", "validate", "query_planning", "execution", "shape"}

    # One fetch span per plan fetch, named by subgraph and plan path, under execution.
    fetches = [s for s in trace if s.name == "fetch"]
    assert {f.attributes["subgraph.name"] for f in fetches} == DOMAINS
    for fetch in fetches:
        assert stages["execution"] in _ancestors(fetch, index)
    paths = {f.attributes["subgraph.name"]: f.attributes["supergraph.plan.path"] for f in fetches}
    assert paths["reviews"] == "/"
    assert paths["accounts"] == paths["orders"] == "/latestReviews/@/author"
    assert paths["products"] == "/latestReviews/@/product"

    # Each fetch's HTTP client span is the parent of the subgraph's server span.
    for fetch in fetches:
        [client] = [s for s in trace if s.parent_span_id == fetch.span_id]
        assert (client.name, client.kind, client.service) == ("POST", CLIENT, "router")
        assert client.attributes["subgraph.name"] == fetch.attributes["subgraph.name"]
        assert client.attributes["server.address"] == "127.0.0.1"
        subgraph = fetch.attributes["subgraph.name"]
        received = [s for s in trace if s.parent_span_id == client.span_id]
        assert [(s.service, s.kind) for s in received] == [(subgraph, SERVER)]

    # Every subgraph's GraphQL and SQL spans descend from its server span, in the trace.
    for subgraph in DOMAINS:
        own = [s for s in trace if s.service == subgraph]
        servers = {s.span_id for s in own if s.kind == SERVER}
        graphql = [s for s in own if s.scope == "strawberry"]
        sql = [s for s in own if "db.statement" in s.attributes or "db.query.text" in s.attributes]
        assert graphql, f"{subgraph}: no Strawberry spans"
        assert sql, f"{subgraph}: no SQL spans"
        for span in [*graphql, *sql]:
            chain = _ancestors(span, index)
            assert servers & {s.span_id for s in chain}, f"{subgraph}: {span.name} is detached"
            assert server in chain  # ... and, through the router, from the client's request
        assert all(
            s.attributes.get("db.system") == "sqlite"
            or s.attributes.get("db.system.name") == "sqlite"
            for s in sql
        )


def test_log_lines_name_their_trace_and_their_subgraph(
    stack: TracedStack, receiver: OtlpHttpReceiver
) -> None:
    trace = "5bf92f3577b34da6a3ce929d0e0e4737"
    headers = {"traceparent": f"00-{trace}-{CLIENT_SPAN}-01", **stack.signed_in}
    response = stack.post(QUERY, headers=headers)
    assert response.status_code == 200
    receiver.wait_for(
        lambda spans: any(
            s.trace_id == trace and s.service == "router" and s.kind == SERVER for s in spans
        ),
        # Its stages' spans may be exported while the request still runs: the server
        # span ends after the access line is written.
        what="the router's server span (its access line is written before it ends)",
    )
    # The router's stderr is not a terminal: JSON lines, the access line with the trace id.
    lines = [json.loads(line) for line in stack.log("router").splitlines() if line.startswith("{")]
    [access] = [line for line in lines if line.get("trace_id") == trace]
    assert access["logger"] == "supergraph.access"
    assert access["subgraph_fetches"] == len(DOMAINS)
    # Each subgraph's lines (uvicorn's access lines included) carry its name.
    assert "[reviews] uvicorn.access: 127.0.0.1" in stack.log("reviews")


def test_a_client_without_a_trace_starts_one_and_the_subgraphs_join_it(
    stack: TracedStack, receiver: OtlpHttpReceiver
) -> None:
    response = stack.post("{ latestReviews(first: 1) { body product { name } } }")
    assert response.status_code == 200, response.text

    def routed(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
        """The router's server spans that started a trace (the other tests' continue one)."""
        return [s for s in spans if s.service == "router" and s.kind == SERVER and s.root]

    def joined(spans: list[ReceivedSpan]) -> bool:
        # Each service exports its own batch: wait for both subgraphs, not the first to report.
        started = {r.trace_id for r in routed(spans)}
        reached = [{s.service for s in spans if s.trace_id == t} for t in started]
        return any({"reviews", "products"} <= services for services in reached)

    spans = receiver.wait_for(joined, what="a new trace reaching both subgraphs")
    [server] = routed(spans)
    assert server.root  # no parent: the router started the trace
    services = {s.service for s in spans if s.trace_id == server.trace_id}
    assert services == {"router", "reviews", "products"}
