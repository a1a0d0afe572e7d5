"""Client-controlled values that used to escape as internal errors, on both backends.

Every value below is something a client can send. Each must give either a coded
BAD_USER_INPUT error for its field only, or the answer "not found" -- never
INTERNAL_SERVER_ERROR, and never a failure of the other fields that share its batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from subgraphs import registry
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.context import USER_ID_HEADER
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.pagination import encode_cursor
from subgraphs._common.seeding import product_upc
from tests.subgraphs.conftest import SubgraphFactory

NUL = "a\x00b"  # PostgreSQL text cannot hold NUL
SURROGATE = "a\ud800b"  # valid in JSON ("\ud800"), not encodable as UTF-8
SUPERSCRIPT = "²"  # str.isdigit() says yes, int() says no

# (subgraph, query, variables, user id) -> the expected (data, [(path, code), ...])
Case = tuple[str, str, dict[str, Any], int | None, Any, list[tuple[list[Any], str]]]

CASES: dict[str, Case] = {
    "id of Unicode digits": (
        "accounts",
        "query($id: ID!) { user(id: $id) { id } }",
        {"id": SUPERSCRIPT},
        None,
        {"user": None},
        [(["user"], "BAD_USER_INPUT")],
    ),
    "id of 5,000 digits": (
        "accounts",
        "query($id: ID!) { user(id: $id) { id } }",
        {"id": "7" * 5000},
        None,
        {"user": None},
        [(["user"], "BAD_USER_INPUT")],
    ),
    "id beyond INTEGER": (
        "accounts",
        "query($id: ID!) { user(id: $id) { id } }",
        {"id": str(2**40)},
        None,
        {"user": None},
        [],
    ),
    "upc with NUL": (
        "products",
        "query($upc: String!) { product(upc: $upc) { name } }",
        {"upc": NUL},
        None,
        {"product": None},
        [],
    ),
    "slug with an unpaired surrogate": (
        "products",
        "query($s: String!) { category(slug: $s) { name } }",
        {"s": SURROGATE},
        None,
        {"category": None},
        [],
    ),
    "search text with NUL": (
        "products",
        "query($t: String!) { search(text: $t) { __typename } }",
        {"t": NUL},
        None,
        None,
        [(["search"], "BAD_USER_INPUT")],
    ),
    "category filter with a surrogate": (
        "products",
        "query($c: String) { products(category: $c) { edges { cursor } } }",
        {"c": SURROGATE},
        None,
        None,
        [(["products"], "BAD_USER_INPUT")],
    ),
    "cursor beyond INTEGER": (
        "products",
        "query($a: String) { products(after: $a) { edges { cursor } } }",
        {"a": encode_cursor(2**40)},
        None,
        None,
        [(["products"], "BAD_USER_INPUT")],
    ),
    "cursor of Unicode digits": (
        "products",
        "query($a: String) { products(after: $a) { edges { cursor } } }",
        {"a": "Y3Vyc29yOnYxOsKy"},  # base64 of "cursor:v1:²"
        None,
        None,
        [(["products"], "BAD_USER_INPUT")],
    ),
    "review body with NUL": (
        "reviews",
        "mutation($i: CreateReviewInput!) { createReview(input: $i) { id } }",
        {"i": {"productUpc": product_upc(1), "rating": 5, "body": NUL}},
        3,
        None,
        [(["createReview"], "BAD_USER_INPUT")],
    ),
    "review UPC of Unicode digits": (
        "reviews",
        "mutation($i: CreateReviewInput!) { createReview(input: $i) { id } }",
        {"i": {"productUpc": SUPERSCRIPT * 12, "rating": 5, "body": "ok"}},
        3,
        None,
        [(["createReview"], "BAD_USER_INPUT")],
    ),
    "reviews of a product key with a surrogate": (
        "reviews",
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { reviews { id } } } }",
        {"r": [{"__typename": "Product", "upc": SURROGATE}]},
        None,
        {"_entities": [{"reviews": []}]},
        [],
    ),
    "idempotency key with NUL": (
        "orders",
        "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }",
        {"i": {"idempotencyKey": NUL, "items": [{"productUpc": product_upc(1), "quantity": 1}]}},
        3,
        None,
        [(["placeOrder"], "BAD_USER_INPUT")],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_a_hostile_value_is_a_coded_error_or_not_found(
    subgraph: SubgraphFactory, case: str
) -> None:
    name, query, variables, user_id, data, errors = CASES[case]
    harness = await subgraph(name)  # nothing below writes
    result = await harness.execute(query, variables, user_id=user_id)
    assert result.data == data
    got = [(error.path, (error.extensions or {}).get("code")) for error in result.errors or []]
    assert got == errors, result.errors


async def test_hostile_entity_keys_fail_only_their_own_entry(subgraph: SubgraphFactory) -> None:
    """One batch of representations: the keys naming no account are null, the rest resolve.

    A user id is an opaque subject (a UUID subject places orders too): one that is not
    one of accounts' integer ids is a user without an account, not bad input."""
    accounts = await subgraph("accounts")
    representations = [
        {"__typename": "User", "id": "1"},
        {"__typename": "User", "id": SUPERSCRIPT},  # not an integer
        {"__typename": "User", "id": str(2**40)},  # an integer no row can have
        {"__typename": "User", "id": 10**30},  # beyond BIGINT: not one of our ids
        {"__typename": "User", "id": 2},
    ]
    result = await accounts.entities(representations, "... on User { id }")
    assert result.data == {
        "_entities": [
            {"__typename": "User", "id": "1"},
            None,
            None,
            None,
            {"__typename": "User", "id": "2"},
        ]
    }
    assert result.errors is None


@pytest.fixture
async def accounts_app(subgraph: SubgraphFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The accounts app as `subgraphs serve` builds it (development: no identity key)."""
    accounts = await subgraph("accounts")
    app = create_subgraph_app(
        registry.get("accounts").load(),
        accounts.database.config,
        seed_scale=None,
        identity=SubgraphIdentity(None),  # the x-user-id header is honoured
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://accounts") as client:
            yield client
    finally:
        await app.state.database.dispose()


async def test_a_user_id_header_that_is_no_account_id_is_a_subject_with_no_account(
    accounts_app: httpx.AsyncClient,
) -> None:
    """`x-user-id: \xb2` (latin-1 "²") passed `str.isdigit` and failed `int()`: a 500.
    The header names a subject, as a token's `sub` does: these are signed in, as
    nobody accounts knows (FORBIDDEN saying so), and a blank one is anonymous."""
    for value in (b"\xb2", b"9" * 40, b"-1", b"6f1c0d2e-8a4b-4c1e-9f0a-3b5d7e9a1c2f"):
        response = await accounts_app.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={USER_ID_HEADER.encode(): value}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"me": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    blank = await accounts_app.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={USER_ID_HEADER: " "}
    )
    assert blank.json() == {"data": {"me": None}}
    signed_in = await accounts_app.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={USER_ID_HEADER: "7"}
    )
    assert signed_in.json() == {"data": {"me": {"id": "7"}}}


@pytest.mark.parametrize("body", [b"null", b'"{ me { id } }"', b"5", b"true"])
async def test_a_body_that_is_not_a_json_object_is_a_400(
    accounts_app: httpx.AsyncClient, body: bytes
) -> None:
    """Strawberry called `.get` on it: an AttributeError and an HTTP 500."""
    response = await accounts_app.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
