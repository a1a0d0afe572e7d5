"""The HTTP transports (our HTTP/1.1 pool, aiohttp, httpx) against real subgraphs on loopback."""

from __future__ import annotations

from collections import Counter

import pytest

from supergraph.executor.http1_transport import Http1Transport
from supergraph.executor.http_transport import HttpTransport
from supergraph.executor.httpx_transport import HttpxTransport
from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest
from tests.executor.federated import subgraph_schema
from tests.http.loopback import GraphQLApp, serve

TRANSPORTS = pytest.mark.parametrize(
    "transport_class", [Http1Transport, HttpTransport, HttpxTransport]
)
Transport = type[Http1Transport] | type[HttpTransport] | type[HttpxTransport]

SCHEMA = subgraph_schema(
    "type Query { hello(name: String): String }", root={"hello": lambda name=None: f"hi {name}"}
)


@TRANSPORTS
async def test_requests_share_one_keep_alive_connection(transport_class: Transport) -> None:
    subgraph = GraphQLApp(SCHEMA)
    counted: Counter[str] = Counter()
    async with serve(subgraph.app) as base:
        transport = transport_class({"a": f"{base}/graphql"}, on_request=counted.update)
        try:
            for _ in range(3):
                response = await transport.send(
                    "a", SubgraphRequest("query($n: String) { hello(name: $n) }", {"n": "x"})
                )
                assert response == {"data": {"hello": "hi x"}}
        finally:
            await transport.aclose()
    assert subgraph.requests == 3
    assert len(subgraph.peers) == 1
    assert counted == Counter({"a": 3})


@TRANSPORTS
async def test_non_2xx_without_graphql_body_is_an_http_error(transport_class: Transport) -> None:
    subgraph = GraphQLApp(SCHEMA, status=502)
    async with serve(subgraph.app) as base:
        transport = transport_class({"a": f"{base}/graphql"})
        try:
            with pytest.raises(SubgraphHTTPError, match="502"):
                await transport.send("a", SubgraphRequest("{ hello }"))
        finally:
            await transport.aclose()


@TRANSPORTS
async def test_connection_refused_is_an_http_error(transport_class: Transport) -> None:
    transport = transport_class({"a": "http://127.0.0.1:9/graphql"})
    try:
        with pytest.raises(SubgraphHTTPError, match="HTTP fetch failed from 'a'"):
            await transport.send("a", SubgraphRequest("{ hello }"))
    finally:
        await transport.aclose()


@TRANSPORTS
async def test_request_headers_are_sent(transport_class: Transport) -> None:
    subgraph = GraphQLApp(SCHEMA)
    async with serve(subgraph.app) as base:
        transport = transport_class({"a": f"{base}/graphql"})
        try:
            await transport.send("a", SubgraphRequest("{ hello }", headers={"x-claims": "c1"}))
        finally:
            await transport.aclose()
    assert subgraph.headers[-1]["x-claims"] == "c1"
    assert subgraph.headers[-1]["content-type"] == "application/json"
