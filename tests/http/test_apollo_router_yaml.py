"""An Apollo Router `router.yaml`, written from the examples of Apollo's documentation
(header propagation, traffic shaping, subgraph errors, CORS, limits, JWT, persisted
queries, expose query plan), is read as it is (no deprecated key, valid against our
schema) and each key has its effect: the router serves on loopback, its subgraphs and
the JWKS are HTTP servers on loopback too."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from supergraph.http.config import load_config
from supergraph.http.config_schema import json_schema
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import GraphQLApp, serve
from tests.http.test_end_to_end import subgraph_apps

# As Apollo's docs write them; ${env.*} only where a port is known at run time.
ROUTER_YAML = """
supergraph:
  path: /api/graphql
  introspection: false
override_subgraph_url:
  products: ${env.PRODUCTS_URL}
  reviews: ${env.REVIEWS_URL}
  accounts: ${env.ACCOUNTS_URL}
headers:
  all: # Header rules for all subgraphs
    request:
      - propagate:
          matching: ^upstream-header-.*
      - propagate:
          named: "x-tenant"
          rename: "x-tenant-id"
          default: "public"
      - remove:
          named: "upstream-header-secret"
  subgraphs:
    products: # Header rules for just the products subgraph
      request:
        - insert:
            name: "router-subgraph-name"
            value: "products"
traffic_shaping:
  all:
    timeout: 30s
    deduplicate_query: true
  subgraphs:
    reviews:
      timeout: 500ms
include_subgraph_errors:
  all: true
  subgraphs:
    reviews: false
cors:
  origins:
    - https://www.your-app.example.com
  match_origins:
    - "^https://([a-z0-9]+[.])*api[.]example[.]com$"
  allow_credentials: true
  max_age: 1h
  expose_headers: [x-request-id]
limits:
  http_max_request_bytes: 2000
  parser_max_tokens: 60
  max_depth: 3
authentication:
  router:
    jwt:
      header_name: Authorization
      header_value_prefix: Bearer
      jwks:
        - url: ${env.JWKS_URL}
          issuer: https://issuer.one
          poll_interval: 60s
authorization:
  require_authentication: true
persisted_queries:
  enabled: true
  local_manifests:
    - ${env.MANIFEST}
  safelist:
    enabled: true
    require_id: false
apq:
  enabled: false
plugins:
  experimental.expose_query_plan: true
homepage:
  enabled: false
"""

MANIFEST = {
    "format": "apollo-persisted-query-manifest",
    "version": 1,
    "operations": [
        {"id": "me", "name": "Me", "type": "query", "body": "query Me { me { username } }"},
        {
            "id": "top",
            "name": "Top",
            "type": "query",
            "body": "query Top { topProducts(first: 2) { name reviews { body } } }",
        },
        {
            "id": "deep",
            "name": "Deep",
            "type": "query",
            "body": "query Deep { topProducts { reviews { author { username } } } }",
        },
        {
            "id": "schema",
            "name": "Schema",
            "type": "query",
            "body": "query Schema { __schema { queryType { name } } }",
        },
        {
            "id": "wide",
            "name": "Wide",
            "type": "query",
            "body": "query Wide { " + "me { id } " * 20 + "}",
        },
    ],
}


SLOW = 1.0


@dataclass
class Running:
    url: str
    token: str
    subgraphs: Mapping[str, GraphQLApp]

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token or self.token}", **extra}


def _token(key: rsa.RSAPrivateKey, issuer: str) -> str:
    now = int(time.time())
    claims = {"sub": "u1", "iss": issuer, "iat": now, "exp": now + 300}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


@asynccontextmanager
async def _router(tmp_path: Path) -> AsyncIterator[tuple[Running, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}

    async def publish(_request: Request) -> JSONResponse:
        return JSONResponse(jwks)

    apps = subgraph_apps(3)
    apps["reviews"].delay = SLOW  # beyond reviews' 500ms: SUBGRAPH_TIMEOUT
    manifest = tmp_path / "pql.json"
    manifest.write_text(json.dumps(MANIFEST))
    config_file = tmp_path / "router.yaml"
    config_file.write_text(ROUTER_YAML)
    async with AsyncExitStack() as stack:
        env = {"MANIFEST": str(manifest)}
        for name, app in apps.items():
            env[f"{name.upper()}_URL"] = (
                await stack.enter_async_context(serve(app.app)) + "/graphql"
            )
        jwks_app = Starlette(routes=[Route("/jwks.json", publish)])
        env["JWKS_URL"] = await stack.enter_async_context(serve(jwks_app)) + "/jwks.json"
        config = load_config(config_file, env=env)
        assert config.warnings == ()
        base = await stack.enter_async_context(serve(build_app(SUPERGRAPH_SDL, config)))
        yield Running(f"{base}/api/graphql", _token(key, "https://issuer.one"), apps), key
        # The slow subgraph's answers nobody waits for: let them go before it stops.
        await asyncio.sleep(SLOW)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Running, rsa.RSAPrivateKey]]:
    async with _router(tmp_path) as started:
        yield started


def test_the_file_is_valid_against_the_schema() -> None:
    import yaml

    jsonschema.validate(yaml.safe_load(ROUTER_YAML), json_schema())


async def test_each_key_takes_effect(running: tuple[Running, rsa.RSAPrivateKey]) -> None:
    router, key = running
    async with httpx.AsyncClient(timeout=30) as client:
        # supergraph.path; override_subgraph_url (the supergraph's URLs are .invalid);
        # persisted_queries by id; JWT from the JWKS, its issuer checked.
        me = await client.post(router.url, json={"documentId": "me"}, headers=router.headers())
        assert me.json() == {"data": {"me": {"username": "ada"}}}
        elsewhere = router.url.replace("/api/graphql", "/graphql")
        assert (await client.post(elsewhere, json={"documentId": "me"})).status_code == 404

        # authorization.require_authentication / the issuer of the JWKS entry.
        anonymous = await client.post(router.url, json={"documentId": "me"})
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        stranger = _token(key, "https://issuer.two")
        refused = await client.post(
            router.url, json={"documentId": "me"}, headers=router.headers(stranger)
        )
        assert refused.status_code == 401

        # headers: matching, named with rename and default, remove, per-subgraph insert.
        sent = router.headers(**{"upstream-header-a": "1", "upstream-header-secret": "s"})
        top = await client.post(router.url, json={"documentId": "top"}, headers=sent)
        products = router.subgraphs["products"].headers[-1]
        assert products["upstream-header-a"] == "1"
        assert "upstream-header-secret" not in products
        assert products["x-tenant-id"] == "public"
        assert products["router-subgraph-name"] == "products"
        assert "router-subgraph-name" not in router.subgraphs["reviews"].headers[-1]
        assert "authorization" not in products  # only what a rule propagates

        # traffic_shaping.subgraphs.reviews.timeout, include_subgraph_errors.subgraphs.
        body = top.json()
        assert [p["name"] for p in body["data"]["topProducts"]] == ["P0", "P1"]
        assert [e["path"] for e in body["errors"]] == [["topProducts", 0], ["topProducts", 1]]
        for error in body["errors"]:
            assert error["extensions"] == {"code": "SUBGRAPH_TIMEOUT"}
            assert error["message"] == "Subgraph errors redacted"

        # safelist.enabled: free text not in the list is refused.
        free = await client.post(
            router.url, json={"query": "{ me { id } }"}, headers=router.headers()
        )
        assert free.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"

        # limits: max_depth, parser_max_tokens, http_max_request_bytes.
        deep = await client.post(router.url, json={"documentId": "deep"}, headers=router.headers())
        assert deep.json()["errors"][0]["extensions"]["code"] == "MAX_DEPTH_EXCEEDED"
        tokens = await client.post(
            router.url, json={"documentId": "wide"}, headers=router.headers()
        )
        assert tokens.json()["errors"][0]["extensions"]["code"] == "MAX_TOKENS_EXCEEDED"
        large = await client.post(
            router.url,
            json={"documentId": "me", "variables": {"pad": "x" * 3000}},
            headers=router.headers(),
        )
        assert large.status_code == 413

        # supergraph.introspection: false.
        schema = await client.post(
            router.url, json={"documentId": "schema"}, headers=router.headers()
        )
        assert schema.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"

        # plugins.experimental.expose_query_plan with Apollo's header.
        planned = await client.post(
            router.url,
            json={"documentId": "me"},
            headers=router.headers(**{"Apollo-Expose-Query-Plan": "true"}),
        )
        plan = planned.json()["extensions"]["apolloQueryPlan"]
        assert plan["object"]["kind"] == "QueryPlan"
        assert 'Fetch(service: "accounts")' in plan["text"]

        # homepage.enabled: false (no sandbox): a browser gets no page.
        page = await client.get(router.url, headers={"accept": "text/html"})
        assert "GraphiQL" not in page.text

        # cors: listed origin, match_origins, credentials, max_age 1h; others get nothing.
        for origin in ("https://www.your-app.example.com", "https://eu.api.example.com"):
            preflight = await client.options(
                router.url,
                headers={
                    "origin": origin,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type",
                },
            )
            assert preflight.headers["access-control-allow-origin"] == origin
            assert preflight.headers["access-control-allow-credentials"] == "true"
            assert preflight.headers["access-control-max-age"] == "3600"
        actual = await client.post(
            router.url,
            json={"documentId": "me"},
            headers=router.headers(origin="https://eu.api.example.com"),
        )
        assert actual.headers["access-control-expose-headers"] == "x-request-id"
        other = await client.options(
            router.url,
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in other.headers
