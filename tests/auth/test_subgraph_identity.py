"""Subgraphs trust only the router: the real accounts subgraph with SUBGRAPHS_REQUIRE_IDENTITY.

Called directly (no identity, a forged `x-user-id`, a user's own token, a token
signed by another key) it answers 401 UNAUTHENTICATED; through the router it
serves `me` and applies the row-level rule on `User.email`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from auth import TokenSigner, TokenVerifier, VerificationKey, VerifierSettings
from auth.dev import ROUTER_ISSUER, SUBGRAPH_AUDIENCE
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.seeding import Scale
from subgraphs.accounts.app import DOMAIN
from supergraph.cli.compose import module_sdl
from supergraph.compose import SubgraphSource, compose
from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.auth import tokens
from tests.http.loopback import serve

ROUTER_KEY = ed25519.Ed25519PrivateKey.generate()
OTHER_KEY = ed25519.Ed25519PrivateKey.generate()


def router_token(key: ed25519.Ed25519PrivateKey, sub: str | None, *scopes: str) -> str:
    signer = TokenSigner(key, "EdDSA", ROUTER_ISSUER, SUBGRAPH_AUDIENCE, kid="router-1")
    return signer.sign(sub, scopes)


@dataclass
class Stack:
    accounts_url: str
    router: httpx.AsyncClient

    async def direct(self, headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(
                f"{self.accounts_url}/graphql",
                json={"query": "{ me { id username } }"},
                headers=headers,
            )

    async def query(self, query: str, token: str | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = await self.router.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    identity = SubgraphIdentity(
        TokenVerifier(
            VerifierSettings(
                keys=(VerificationKey("router-1", ROUTER_KEY.public_key(), frozenset({"EdDSA"})),),
                issuer=(ROUTER_ISSUER,),
                audience=(SUBGRAPH_AUDIENCE,),
            )
        ),
        required=True,
    )
    app = create_subgraph_app(
        DOMAIN,
        DatabaseConfig.sqlite(tmp_path / "accounts.sqlite3"),
        seed_scale=Scale(1),
        identity=identity,
    )
    key_file = tmp_path / "router.pem"
    key_file.write_bytes(
        ROUTER_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    async with AsyncExitStack() as exits:
        url = await exits.enter_async_context(serve(app))
        sdl = module_sdl("accounts", "subgraphs.accounts.schema:schema")
        composed = compose([SubgraphSource("accounts", f"{url}/graphql", sdl)])
        assert composed.supergraph_sdl is not None, composed.errors
        config = parse_config(
            {
                "authentication": {
                    "issuer": tokens.ISSUER,
                    "audience": tokens.AUDIENCE,
                    "keys": [{"jwk": tokens.jwk(tokens.RSA_KEY, "rsa-1")}],
                },
                "identity": {"private_key_file": str(key_file), "kid": "router-1"},
            }
        )
        router_url = await exits.enter_async_context(
            serve(build_app(composed.supergraph_sdl, config))
        )
        client = await exits.enter_async_context(httpx.AsyncClient(base_url=router_url))
        yield Stack(url, client)


async def test_direct_calls_without_the_routers_identity_are_refused(stack: Stack) -> None:
    attempts = [
        {},
        {"x-user-id": "1"},
        {"x-supergraph-identity": tokens.token(sub="1")},  # a user's token, not the router's
        {"x-supergraph-identity": router_token(OTHER_KEY, "1")},
        {"x-supergraph-identity": "garbage"},
        {"authorization": f"Bearer {router_token(ROUTER_KEY, '1')}"},  # wrong header
    ]
    for headers in attempts:
        response = await stack.direct(headers)
        assert response.status_code == 401, headers
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_direct_call_with_the_routers_identity_is_served(stack: Stack) -> None:
    response = await stack.direct({"x-supergraph-identity": router_token(ROUTER_KEY, "3")})
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"id": "3", "username": "user3"}}}


async def test_through_the_router_me_and_email_rules(stack: Stack) -> None:
    me = await stack.query("{ me { id username email } }", tokens.token(sub="3"))
    assert me == {"data": {"me": {"id": "3", "username": "user3", "email": "user3@example.com"}}}
    other = await stack.query('{ user(id: "4") { id email } }', tokens.token(sub="3"))
    assert other["data"] == {"user": {"id": "4", "email": None}}
    assert [(e["path"], e["extensions"]["code"]) for e in other["errors"]] == [
        (["user", "email"], "FORBIDDEN")
    ]
    scoped = await stack.query(
        '{ user(id: "4") { email } }', tokens.token(sub="3", scope="user:email")
    )
    assert scoped == {"data": {"user": {"email": "user4@example.com"}}}
    anonymous = await stack.query('{ me { id } user(id: "4") { id email } }')
    assert anonymous["data"] == {"me": None, "user": {"id": "4", "email": None}}
    # `me` is null for an anonymous identity; the router removed @authenticated email.
    assert [(e["path"], e["extensions"]["code"]) for e in anonymous["errors"]] == [
        (["user", "email"], "UNAUTHORIZED_FIELD_OR_TYPE")
    ]


async def test_with_a_key_but_not_required_x_user_id_is_ignored(tmp_path: Path) -> None:
    identity = SubgraphIdentity(
        TokenVerifier(
            VerifierSettings(
                keys=(VerificationKey(None, ROUTER_KEY.public_key(), frozenset({"EdDSA"})),),
                issuer=(ROUTER_ISSUER,),
                audience=(SUBGRAPH_AUDIENCE,),
            )
        ),
        required=False,
    )
    app = create_subgraph_app(
        DOMAIN,
        DatabaseConfig.sqlite(tmp_path / "accounts.sqlite3"),
        seed_scale=Scale(1),
        identity=identity,
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        query = {"query": "{ me { id } }"}
        forged = await client.post("/graphql", json=query, headers={"x-user-id": "1"})
        assert forged.json() == {"data": {"me": None}}  # anonymous, not user 1
        signed = router_token(ROUTER_KEY, "2")
        ok = await client.post("/graphql", json=query, headers={"x-supergraph-identity": signed})
        assert ok.json() == {"data": {"me": {"id": "2"}}}
        bad = await client.post(
            "/graphql", json=query, headers={"x-supergraph-identity": router_token(OTHER_KEY, "2")}
        )
        assert bad.status_code == 401  # a bad identity is refused even when not required
