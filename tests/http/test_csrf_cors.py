"""CSRF prevention (Apollo's rule) and CORS (origins, credentials, max-age, preflight)."""

from __future__ import annotations

import pytest

from tests.http.edge import edge_client

QUERY = "{ me { username } }"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a plain GET: what an <img> or a link on a foreign page sends
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "multipart/form-data; boundary=x"},
        {"apollo-require-preflight": ""},  # present but empty: not a preflight-forcing header
    ],
)
async def test_simple_get_requests_are_refused(headers: dict[str, str]) -> None:
    async with edge_client() as client:
        response = await client.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "CSRF_ERROR"
    assert "apollo-require-preflight" in error["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_simple_posts_are_refused_before_anything_runs(content_type: str) -> None:
    async with edge_client() as client:
        response = await client.post(
            "/graphql",
            content=b'{"query": "mutation { addProduct(name: \\"x\\") { name } }"}',
            headers={"content-type": content_type},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_ERROR"


@pytest.mark.parametrize(
    "headers",
    [
        {"apollo-require-preflight": "true"},
        {"x-apollo-operation-name": "Me"},
        {"content-type": "application/json"},  # a GET with a non-simple content type
    ],
)
async def test_preflighted_gets_run(headers: dict[str, str]) -> None:
    async with edge_client() as client:
        response = await client.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.json() == {"data": {"me": {"username": "ada"}}}


async def test_custom_required_headers_and_switch_off() -> None:
    config = {"csrf": {"required_headers": ["X-Client"]}}
    async with edge_client(config) as client:
        ok = await client.get("/graphql", params={"query": QUERY}, headers={"x-client": "1"})
        assert ok.status_code == 200
        refused = await client.get(
            "/graphql", params={"query": QUERY}, headers={"apollo-require-preflight": "1"}
        )
        assert refused.status_code == 400
    async with edge_client({"csrf": {"enabled": False}}) as client:
        assert (await client.get("/graphql", params={"query": QUERY})).status_code == 200


async def test_graphiql_page_is_not_a_csrf_target() -> None:
    async with edge_client() as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "GraphiQL" in page.text


CORS = {
    "cors": {
        "origins": ["https://app.example.com"],
        "allow_credentials": True,
        "max_age": 300,
    }
}


def _preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, apollographql-client-name",
    }


async def test_cors_preflight_for_an_allowed_origin() -> None:
    async with edge_client(CORS) as client:
        response = await client.options("/graphql", headers=_preflight("https://app.example.com"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-max-age"] == "300"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "apollographql-client-name" in allowed_headers


async def test_cors_preflight_for_a_foreign_origin_is_refused() -> None:
    async with edge_client(CORS) as client:
        response = await client.options("/graphql", headers=_preflight("https://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_cors_simple_response_headers() -> None:
    async with edge_client(CORS) as client:
        allowed = await client.post(
            "/graphql", json={"query": QUERY}, headers={"origin": "https://app.example.com"}
        )
        foreign = await client.post(
            "/graphql", json={"query": QUERY}, headers={"origin": "https://evil.example"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in foreign.headers


async def test_no_cors_headers_by_default() -> None:
    async with edge_client() as client:
        preflight = await client.options("/graphql", headers=_preflight("https://x.example"))
        post = await client.post(
            "/graphql", json={"query": QUERY}, headers={"origin": "https://x.example"}
        )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post.headers


async def test_wildcard_origin_without_credentials() -> None:
    async with edge_client({"cors": {"origins": ["*"]}}) as client:
        response = await client.post(
            "/graphql", json={"query": QUERY}, headers={"origin": "https://any.example"}
        )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
