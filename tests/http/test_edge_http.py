"""GraphQL over HTTP details beyond the audit: 406, batching, error masking, metrics,
and the GraphiQL page (CDN or local assets)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from supergraph.http.graphiql import manifest
from tests.http.edge import PREFLIGHT, edge_client

QUERY = "{ me { username } }"
ME = {"data": {"me": {"username": "ada"}}}
NODE_MODULES = Path(__file__).resolve().parents[1] / "node" / "node_modules"


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
async def test_unacceptable_accept_is_406(accept: str) -> None:
    async with edge_client(headers=PREFLIGHT) as client:
        post = await client.post("/graphql", json={"query": QUERY}, headers={"accept": accept})
        get = await client.get(
            "/graphql", params={"query": QUERY}, headers={"accept": "application/xml"}
        )
    assert post.status_code == 406
    assert post.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert get.status_code == 406


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/graphql-response+json, application/json;q=0.9", "graphql-response+json"),
        ("application/json, application/graphql-response+json;q=0.5", "application/json"),
        ("application/*", "application/json"),
        ("text/html, */*;q=0.1", "application/json"),
    ],
)
async def test_accept_negotiation(accept: str, media_type: str) -> None:
    async with edge_client() as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers={"accept": accept})
    assert response.status_code == 200
    assert media_type in response.headers["content-type"]


async def test_batching_is_off_by_default() -> None:
    async with edge_client() as client:
        response = await client.post("/graphql", json=[{"query": QUERY}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BATCHING_NOT_ENABLED"


async def test_batch_results_in_order_with_their_own_errors() -> None:
    config = {"batching": {"enabled": True, "max_size": 3}}
    async with edge_client(config) as client:
        response = await client.post(
            "/graphql",
            json=[{"query": QUERY}, {"query": "{ nope }"}, {"operationName": 1}],
            headers={"accept": "application/graphql-response+json"},
        )
        too_many = await client.post("/graphql", json=[{"query": QUERY}] * 4)
        empty = await client.post("/graphql", json=[])
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == ME
    assert second["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert third["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"
    assert empty.status_code == 400


REVIEWS = "{ topProducts(first: 1) { name reviews { body } } }"


async def test_subgraph_errors_are_masked_in_production() -> None:
    async with edge_client(down=["reviews"]) as client:
        open_errors = (await client.post("/graphql", json={"query": REVIEWS})).json()
    async with edge_client({"mask_subgraph_errors": True}, down=["reviews"]) as client:
        masked = (await client.post("/graphql", json={"query": REVIEWS})).json()
    assert "reviews" in open_errors["errors"][0]["message"]
    assert (
        masked["data"] == open_errors["data"] == {"topProducts": [{"name": "P0", "reviews": None}]}
    )
    [error] = masked["errors"]
    assert error["message"] == "Subgraph errors redacted"
    assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR"}
    assert error.get("path") == open_errors["errors"][0].get("path")


async def test_metrics_by_operation_outcome_subgraph_and_cache() -> None:
    async with edge_client(down=["reviews"]) as client:
        for _ in range(2):
            await client.post("/graphql", json={"query": "query Me " + QUERY})
        await client.post("/graphql", json={"query": REVIEWS})
        await client.post("/graphql", json={"query": "{ nope }"})
        text = (await client.get("/metrics")).text
    assert 'router_requests_total{operation="Me",outcome="ok"} 2.0' in text
    assert 'router_requests_total{operation="",outcome="request_error"} 1.0' in text
    assert 'router_request_duration_seconds_count{operation="Me",outcome="ok"} 2.0' in text
    assert 'router_subgraph_fetch_errors_total{outcome="http_error",subgraph="reviews"} 1.0' in text
    assert (
        'router_subgraph_fetch_duration_seconds_count{outcome="ok",subgraph="accounts"} 2.0' in text
    )
    assert 'router_cache_lookups_total{cache="plan",result="hit"} 1.0' in text
    assert 'router_cache_lookups_total{cache="plan",result="miss"} 2.0' in text


async def test_graphiql_from_the_package_by_default() -> None:
    async with edge_client() as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        packed = await client.get("/graphiql/graphiql.min.js")
        plain = await client.get(
            "/graphiql/graphiql.min.css", headers={"accept-encoding": "identity"}
        )
        other = await client.get("/graphiql/manifest.json")
    assert "unpkg.com" not in page.text
    assert 'src="/graphiql/graphiql.min.js"' in page.text
    # httpx inflates it: the bytes are the vendored file, whose hash the manifest keeps.
    assert packed.headers["content-encoding"] == "gzip"
    _, assets = manifest()
    digest = base64.b64encode(hashlib.sha384(packed.content).digest()).decode()
    assert assets["graphiql.min.js"].integrity == f"sha384-{digest}"
    assert "content-encoding" not in plain.headers
    assert b".graphiql-container" in plain.content
    assert other.status_code == 404  # only GraphiQL's four files are served


async def test_graphiql_from_the_cdn_when_configured_with_integrity() -> None:
    async with edge_client({"graphiql": {"assets": "cdn"}}) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        asset = await client.get("/graphiql/graphiql.min.js")
    _, assets = manifest()
    tags = re.findall(r'(?:src|href)="(https://[^"]+)" integrity="([^"]+)"', page.text)
    assert len(tags) == 4, page.text
    assert (
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        assets["graphiql.min.js"].integrity,
    ) in tags
    assert asset.status_code == 404  # no local assets with the CDN


@pytest.mark.node
async def test_graphiql_from_a_local_folder() -> None:
    async with edge_client({"graphiql": {"assets_dir": str(NODE_MODULES)}}) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        script = await client.get("/graphiql/graphiql.min.js")
        other = await client.get("/graphiql/package.json")
    assert "unpkg.com" not in page.text
    assert 'src="/graphiql/graphiql.min.js"' in page.text
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert other.status_code == 404  # only GraphiQL's four files are served


async def test_graphiql_can_be_switched_off() -> None:
    async with edge_client({"sandbox": {"enabled": False}}) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 406  # no page: an HTML-only client gets no GraphQL either
