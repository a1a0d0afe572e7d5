"""The Starlette app in process (httpx ASGITransport): endpoints, status codes, media types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from supergraph.http.app import create_app
from supergraph.http.metrics import Metrics
from tests.executor.test_pipeline import make_router


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    router, _ = make_router(expose_query_plan=True)
    app = create_app(router, Metrics(["accounts", "products", "reviews"]))
    transport = httpx.ASGITransport(app=app)
    # GETs carry the header that Apollo's CSRF rule asks of non-browser clients
    # (tests/http/test_csrf_cors.py covers the refusals).
    headers = {"apollo-require-preflight": "true"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://router", headers=headers
    ) as client:
        yield client


async def test_post_graphql(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { username } }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"me": {"username": "ada"}}}


async def test_graphql_response_json_when_accepted(client: httpx.AsyncClient) -> None:
    accept = {"accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await client.post("/graphql", json={"query": "{ me { username } }"}, headers=accept)
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    bad = await client.post("/graphql", json={"query": "{ nope }"}, headers=accept)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    legacy = await client.post("/graphql", json={"query": "{ nope }"})
    assert legacy.status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'"x"', "JSON object"),
        (b'{"query": 1}', "'query'"),
        (b'{"query": "{ me { id } }", "variables": [1]}', "'variables'"),
        (b'{"query": "{ me { id } }", "operationName": 3}', "'operationName'"),
    ],
)
async def test_malformed_bodies_get_400_with_graphql_error(
    client: httpx.AsyncClient, body: bytes, message: str
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


async def test_unsupported_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{ me { id } }", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert "errors" in response.json()


async def test_get_query_and_mutation_refused(client: httpx.AsyncClient) -> None:
    ok = await client.get("/graphql", params={"query": "{ me { username } }"})
    assert ok.json() == {"data": {"me": {"username": "ada"}}}
    mutation = await client.get(
        "/graphql", params={"query": 'mutation { addProduct(name: "x") { name } }'}
    )
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"
    variables = await client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { topProducts(first: $n) { name } }",
            "variables": '{"n": 1}',
        },
    )
    assert variables.json() == {"data": {"topProducts": [{"name": "Table"}]}}
    bad = await client.get("/graphql", params={"query": "{ me { id } }", "variables": "{"})
    assert bad.status_code == 400


async def test_graphiql_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert "GraphiQL" in response.text


async def test_query_plan_header(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { username } }"},
        headers={"apollo-query-plan-experimental": "1"},
    )
    assert response.json()["extensions"]["queryPlan"]["object"]["kind"] == "QueryPlan"


async def test_health_up_and_down(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "UP"})
    app = create_app(None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        down = await c.get("/health")
        assert down.status_code == 503
        graphql = await c.post("/graphql", json={"query": "{ me { id } }"})
        assert graphql.status_code == 503


async def test_metrics_is_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'router_subgraph_requests_total{subgraph="accounts"} 0.0' in response.text


async def test_internal_errors_leak_no_trace() -> None:
    router, _ = make_router()

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    router._executor.execute = broken  # type: ignore[method-assign, assignment]
    app = create_app(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        response = await c.post("/graphql", json={"query": "{ me { username } }"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert (
        orjson.loads(response.content)["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    )
