"""The real orders subgraph with the router's key, over HTTP: issue 6's row-level rules.

Identities come only from the router-signed `x-supergraph-identity` (the `x-user-id`
header of the early days is ignored once a key is configured): `User.orders` and
`Order` for their owner or scope `orders:read`, placeOrder for the verified caller.
The same rules are tested in process on both backends in tests/subgraphs/test_orders.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from auth import TokenSigner, TokenVerifier, VerificationKey, VerifierSettings
from auth.dev import ROUTER_ISSUER, SUBGRAPH_AUDIENCE
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.identity import IDENTITY_HEADER, USER_ID_HEADER, SubgraphIdentity
from subgraphs._common.seeding import Scale, product_upc
from subgraphs.orders.app import DOMAIN
from tests.http.loopback import serve

ROUTER_KEY = ed25519.Ed25519PrivateKey.generate()
SCALE = Scale(1)

USER_ORDERS = """
query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders { id } } } }
"""
PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id user { id } } }
"""


def identity(sub: str | None, *scopes: str) -> dict[str, str]:
    """The router's identity header (signed now: these tokens live 60 seconds)."""
    signer = TokenSigner(ROUTER_KEY, "EdDSA", ROUTER_ISSUER, SUBGRAPH_AUDIENCE, kid="router-1")
    return {IDENTITY_HEADER: signer.sign(sub, scopes)}


@pytest.fixture
async def orders(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    verifier = TokenVerifier(
        VerifierSettings(
            keys=(VerificationKey(None, ROUTER_KEY.public_key(), frozenset({"EdDSA"})),),
            issuer=(ROUTER_ISSUER,),
            audience=(SUBGRAPH_AUDIENCE,),
        )
    )
    app = create_subgraph_app(
        DOMAIN,
        DatabaseConfig.sqlite(tmp_path / "orders.sqlite3"),
        seed_scale=SCALE,
        identity=SubgraphIdentity(verifier, required=False),
    )
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    headers: dict[str, str],
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[tuple[list[Any], str]]:
    return [(error["path"], error["extensions"]["code"]) for error in body.get("errors", [])]


async def test_user_orders_by_verified_identity_only(orders: httpx.AsyncClient) -> None:
    everyone = await post(
        orders,
        USER_ORDERS,
        {"r": [{"__typename": "User", "id": str(i)} for i in range(1, SCALE.users + 1)]},
        identity("999", "orders:read"),  # a reader who owns no order
    )
    assert "errors" not in everyone
    owner = next(user for user in everyone["data"]["_entities"] if user["orders"])
    representations = {"r": [{"__typename": "User", "id": owner["id"]}]}

    own = await post(orders, USER_ORDERS, representations, identity(owner["id"]))
    assert own == {"data": {"_entities": [owner]}}

    other = await post(orders, USER_ORDERS, representations, identity(str(int(owner["id"]) + 1)))
    assert other["data"] == {"_entities": [{"id": owner["id"], "orders": None}]}
    assert codes(other) == [(["_entities", 0, "orders"], "FORBIDDEN")]

    # A forged x-user-id naming the owner is ignored: the caller is anonymous.
    for headers in ({USER_ID_HEADER: owner["id"]}, identity(None)):
        anonymous = await post(orders, USER_ORDERS, representations, headers)
        assert anonymous["data"] == {"_entities": [{"id": owner["id"], "orders": None}]}
        assert codes(anonymous) == [(["_entities", 0, "orders"], "UNAUTHENTICATED")]

    # The same rule on the `Order` entity and `order(id)`.
    order_id = owner["orders"][0]["id"]
    query = "query($id: ID!) { order(id: $id) { id } }"
    assert await post(orders, query, {"id": order_id}, identity(owner["id"])) == {
        "data": {"order": {"id": order_id}}
    }
    refused = await post(orders, query, {"id": order_id}, identity(str(int(owner["id"]) + 1)))
    assert refused["data"] == {"order": None}
    assert codes(refused) == [(["order"], "FORBIDDEN")]


async def test_place_order_for_the_verified_caller_only(orders: httpx.AsyncClient) -> None:
    variables = {
        "input": {
            "idempotencyKey": "http",
            "items": [{"productUpc": product_upc(1), "quantity": 1}],
        }
    }
    forged = await post(orders, PLACE, variables, {USER_ID_HEADER: "5"})
    assert forged["data"] is None
    assert codes(forged) == [(["placeOrder"], "UNAUTHENTICATED")]
    placed = await post(orders, PLACE, variables, identity("5"))
    assert "errors" not in placed, placed
    assert placed["data"]["placeOrder"]["user"] == {"id": "5"}
