"""Directive enforcement end to end over HTTP: router + two subgraphs on loopback.

The same queries as anonymous, as user 1 (staff by the policy hook), as user 2,
and with scopes; nested fields, fragments, interfaces and unions; the
reject-whole-operation mode; denied fields never reach a subgraph.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.auth import tokens
from tests.auth.graph import ACCOUNTS, ORDERS, RecordingSubgraph, supergraph_sdl
from tests.http.loopback import serve

IDENTITY_KEY = ed25519.Ed25519PrivateKey.generate()


@dataclass
class Stack:
    client: httpx.AsyncClient
    accounts: RecordingSubgraph
    orders: RecordingSubgraph

    async def post(
        self, query: str, token: str | None = None, **headers: str
    ) -> tuple[int, dict[str, Any]]:
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        body: dict[str, Any] = response.json()
        return response.status_code, body

    async def data(self, query: str, token: str | None = None) -> dict[str, Any]:
        status, body = await self.post(query, token)
        assert status == 200, body
        return body

    def subgraph_queries(self) -> str:
        return "\n".join(self.accounts.queries + self.orders.queries)


def router_yaml(urls: dict[str, str], key_file: Path, reject: bool) -> dict[str, Any]:
    return {
        "subgraphs": {name: {"url": f"{url}/graphql"} for name, url in urls.items()},
        "authentication": {
            "issuer": tokens.ISSUER,
            "audience": tokens.AUDIENCE,
            "keys": [{"jwk": tokens.jwk(tokens.RSA_KEY, "rsa-1")}],
        },
        "authorization": {
            "reject_unauthorized": reject,
            "policy_hook": "tests.auth.graph:staff_policy",
        },
        "identity": {"private_key_file": str(key_file), "kid": "router-1"},
        "headers": {
            "all": [
                {"propagate": {"named": "x-request-id"}},
                {"propagate": {"matching": "^x-trace-"}},
                {"insert": {"name": "x-gateway", "value": "supergraph"}},
            ],
            "subgraphs": {
                "orders": [{"propagate": {"named": "x-tenant", "rename": "x-tenant-id"}}]
            },
        },
    }


async def start(
    exits: AsyncExitStack,
    tmp_path: Path,
    *,
    reject: bool = False,
    extra: dict[str, Any] | None = None,
) -> Stack:
    """The stack; `extra`: more router.yaml sections."""
    key_file = tmp_path / "identity.pem"
    key_file.write_bytes(
        IDENTITY_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    accounts, orders = RecordingSubgraph(ACCOUNTS), RecordingSubgraph(ORDERS)
    urls = {
        "accounts": await exits.enter_async_context(serve(accounts.app)),
        "orders": await exits.enter_async_context(serve(orders.app)),
    }
    sdl = supergraph_sdl({name: f"{url}/graphql" for name, url in urls.items()})
    config = parse_config({**router_yaml(urls, key_file, reject), **(extra or {})})
    router_url = await exits.enter_async_context(serve(build_app(sdl, config)))
    client = await exits.enter_async_context(httpx.AsyncClient(base_url=router_url))
    return Stack(client, accounts, orders)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start(exits, tmp_path)


@pytest.fixture
async def rejecting(tmp_path: Path) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start(exits, tmp_path, reject=True)


def user(sub: str, *scopes: str) -> str:
    return tokens.token(sub=sub, scope=" ".join(scopes) or None)


def denied(*paths: list[str | int]) -> list[dict[str, Any]]:
    return [
        {
            "message": "Unauthorized field or type",
            "path": path,
            "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
        }
        for path in paths
    ]


PROFILE = "{ users { id name email phone mood orders { id total note } } }"


async def test_anonymous_sees_only_public_fields(stack: Stack) -> None:
    body = await stack.data(PROFILE)
    assert body["data"] == {
        "users": [
            {"id": "1", "name": "Ada", "email": None, "phone": None, "mood": None, "orders": None},
            {"id": "2", "name": "Bob", "email": None, "phone": None, "mood": None, "orders": None},
        ]
    }
    assert body["errors"] == denied(
        *[["users", i, f] for i in (0, 1) for f in ("email", "phone", "mood", "orders")]
    )
    # Nothing denied was asked of any subgraph; the orders subgraph was not called at all.
    assert stack.orders.queries == []
    for field in ("email", "phone", "mood", "orders"):
        assert field not in stack.subgraph_queries()


async def test_user_one_is_staff_and_sees_orders_but_not_notes(stack: Stack) -> None:
    body = await stack.data(PROFILE, user("1"))
    users = body["data"]["users"]
    assert users[0] == {
        "id": "1",
        "name": "Ada",
        "email": "ada@x.test",
        "phone": None,
        "mood": "calm",
        "orders": [{"id": "o1", "total": 10, "note": None}],
    }
    # The policy decides per caller: staff sees every user's mood.
    assert users[1]["mood"] == "calm" and users[1]["email"] == "bob@x.test"
    assert body["errors"] == denied(
        ["users", 0, "phone"],
        ["users", 0, "orders", 0, "note"],
        ["users", 1, "phone"],
        ["users", 1, "orders", 0, "note"],
    )
    assert "note" not in stack.subgraph_queries()


async def test_another_user_is_not_staff(stack: Stack) -> None:
    body = await stack.data('{ user(id: "2") { id mood email } }', user("2"))
    assert body["data"] == {"user": {"id": "2", "mood": None, "email": "bob@x.test"}}
    assert body["errors"] == denied(["user", "mood"])


async def test_scopes_open_fields_or_of_ands(stack: Stack) -> None:
    query = '{ user(id: "1") { phone orders { note } } }'
    body = await stack.data(query, user("2", "user:phone", "orders:read"))
    assert body == {"data": {"user": {"phone": "+1-1", "orders": [{"note": "gift"}]}}}
    body = await stack.data(query, user("2", "admin"))  # the other OR branch for phone
    assert body["data"] == {"user": {"phone": "+1-1", "orders": [{"note": None}]}}
    assert body["errors"] == denied(["user", "orders", 0, "note"])


async def test_non_null_denied_field_nulls_its_parent(stack: Stack) -> None:
    query = '{ user(id: "1") { ...Private } secretCount } fragment Private on User { id ssn }'
    body = await stack.data(query, user("1", "admin"))  # admin but not pii: ssn denied
    assert body["data"] == {"user": None, "secretCount": 42}
    assert body["errors"] == denied(["user", "ssn"])
    body = await stack.data(query, user("1", "admin", "pii"))
    assert body == {"data": {"user": {"id": "1", "ssn": "ssn-1"}, "secretCount": 42}}


async def test_root_fields_denied_without_any_subgraph_request(stack: Stack) -> None:
    body = await stack.data("{ me { id } secretCount }")
    assert body["data"] == {"me": None, "secretCount": None}
    assert body["errors"] == denied(["me"], ["secretCount"])
    assert stack.accounts.queries == [] and stack.orders.queries == []
    assert (await stack.data("{ me { id } }", user("1")))["data"] == {"me": {"id": "1"}}


async def test_union_member_with_a_type_level_directive(stack: Stack) -> None:
    query = """{ search { __typename ... on User { id name }
                 ... on AuditLog { id message } } }"""
    body = await stack.data(query, user("1"))
    assert body["data"] == {
        "search": [
            {"__typename": "User", "id": "1", "name": "Ada"},
            None,
            {"__typename": "User", "id": "2", "name": "Bob"},
        ]
    }
    # The AuditLog's non-null id nulls the item; its message is denied all the same.
    assert body["errors"] == denied(["search", 1, "id"], ["search", 1, "message"])
    assert "message" not in stack.subgraph_queries()
    admin = await stack.data(query, user("1", "admin"))
    assert admin == {
        "data": {
            "search": [
                {"__typename": "User", "id": "1", "name": "Ada"},
                {"__typename": "AuditLog", "id": "log-1", "message": "rotated keys"},
                {"__typename": "User", "id": "2", "name": "Bob"},
            ]
        }
    }


async def test_interface_field_needs_every_implementation(stack: Stack) -> None:
    # Node.id may resolve on an AuditLog (admin only): without admin it is denied...
    body = await stack.data('{ node(id: "1") { id } }', user("1"))
    assert body["data"] == {"node": None}
    assert body["errors"] == denied(["node", "id"])
    # ...while the same field through a User fragment is allowed.
    body = await stack.data('{ node(id: "1") { ... on User { id name } } }', user("1"))
    assert body == {"data": {"node": {"id": "1", "name": "Ada"}}}
    admin = await stack.data('{ node(id: "log-1") { id } }', user("1", "admin"))
    assert admin == {"data": {"node": {"id": "log-1"}}}


async def test_reject_mode_refuses_the_whole_operation(rejecting: Stack) -> None:
    status, body = await rejecting.post(PROFILE)
    assert status == 200  # application/json: request errors come with 200
    assert "data" not in body
    assert body["errors"] == denied(
        ["users", "email"], ["users", "phone"], ["users", "mood"], ["users", "orders"]
    )
    assert rejecting.accounts.queries == [] and rejecting.orders.queries == []
    ok = await rejecting.data('{ user(id: "1") { name email } }', user("2"))
    assert ok == {"data": {"user": {"name": "Ada", "email": "ada@x.test"}}}


async def test_invalid_tokens_get_401_and_no_data(stack: Stack) -> None:
    cases = [
        tokens.unsigned_token(),
        tokens.hs256_with_public_key(),
        tokens.token(exp=1, iat=0, nbf=0),
        tokens.token(aud="other"),
        tokens.tampered(tokens.token(), sub="2"),
    ]
    for token in cases:
        status, body = await stack.post("{ users { id } }", token)
        assert status == 401
        assert "data" not in body
        assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    status, body = await stack.post("{ users { id } }", authorization="Basic Zm9vOmJhcg==")
    assert status == 401
    assert (
        body["errors"][0]["message"]
        == "The Authorization header must have the form 'Bearer <token>'."
    )
    assert stack.accounts.queries == []


async def test_identity_and_header_rules_reach_the_subgraphs(stack: Stack) -> None:
    await stack.post(
        '{ user(id: "1") { id orders { id } } }',
        user("1", "orders:read"),
        **{
            "x-request-id": "req-7",
            "x-trace-span": "abc",
            "x-tenant": "acme",
            "x-supergraph-identity": "forged",
            "x-secret": "not forwarded",
        },
    )
    (accounts,) = stack.accounts.headers
    (orders,) = stack.orders.headers
    for headers in (accounts, orders):
        assert headers["x-request-id"] == "req-7"
        assert headers["x-trace-span"] == "abc"
        assert headers["x-gateway"] == "supergraph"
        assert "x-secret" not in headers and "authorization" not in headers
        identity = jwt.decode(
            headers["x-supergraph-identity"],
            IDENTITY_KEY.public_key(),
            algorithms=["EdDSA"],
            audience="subgraphs",
            issuer="supergraph-router",
        )
        assert identity["sub"] == "1" and identity["scope"] == "orders:read"
    assert orders["x-tenant-id"] == "acme" and "x-tenant-id" not in accounts


async def test_anonymous_requests_carry_an_anonymous_identity(stack: Stack) -> None:
    await stack.post("{ users { id } }")
    (headers,) = stack.accounts.headers
    identity = jwt.decode(
        headers["x-supergraph-identity"],
        IDENTITY_KEY.public_key(),
        algorithms=["EdDSA"],
        audience="subgraphs",
    )
    assert "sub" not in identity and "scope" not in identity
