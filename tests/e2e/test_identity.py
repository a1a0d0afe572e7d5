"""Identity on the wire: only the router reaches the subgraphs, with its signed identity."""

from __future__ import annotations

from typing import Any

import pytest

from subgraphs._common.seeding import product_upc
from tests.e2e.system import ACTING_USER, STAFF_USER, SUBGRAPHS, System

QUERY = f'{{ product(upc: "{product_upc(2)}") {{ name shippingEstimate averageRating }} }}'


def test_the_subgraphs_refuse_requests_that_did_not_come_through_the_router(
    system: System,
) -> None:
    for name in SUBGRAPHS:
        direct = system.client.post(
            system.subgraph_url(name),
            json={"query": "{ _service { sdl } }"},
            headers=system.as_user(),  # a user's token is not the router's identity
        )
        assert direct.status_code == 401, (name, direct.status_code, direct.text)


@pytest.mark.parametrize("kid", ["router-2", None])
def test_the_subgraphs_accept_the_router_identity_with_or_without_a_kid(
    system: System, kid: str | None
) -> None:
    """docs/auth.md configures `identity.kid` next to the subgraphs'
    `SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE` (a PEM key, without a kid); `supergraph dev`
    signs with kid `supergraph-dev` the same way. (Fixed in f3c7f14: before, every
    subgraph answered "The token's signing key is not known.")"""
    router = system.start_router(identity_kid=kid)
    response = system.post(QUERY, router=router)
    assert response.status == 200, response.text
    assert response.errors == [], response.errors
    assert response.data["product"]["name"].endswith(" 2")


# -- row-level rules (issue 6: `User.orders` and `Order` only for their owner or
#    scope `orders:read`) -----------------------------------------------------------

ORDERS_OF = """query ($id: ID!) { user(id: $id) { id orders(first: 5) { id total { amount } } } }"""


def owned_order_ids(system: System, user_id: int) -> list[str]:
    rows = system.rows(
        "orders",
        "SELECT id FROM orders WHERE user_id = ? ORDER BY placed_at DESC, id LIMIT 5",
        user_id,
    )
    return [str(order_id) for (order_id,) in rows]


def order_ids(response_data: dict[str, Any] | None) -> list[str]:
    user = (response_data or {}).get("user") or {}
    return [order["id"] for order in user.get("orders") or []]


@pytest.fixture(scope="module")
def owner(system: System) -> int:
    """The first seeded user with orders (other than the tests' own users)."""
    [(user_id,)] = system.rows(
        "orders",
        "SELECT MIN(CAST(user_id AS INTEGER)) FROM orders WHERE user_id NOT IN (?, ?)",
        ACTING_USER,
        STAFF_USER,
    )
    assert isinstance(user_id, int)
    return user_id


def test_owners_and_orders_read_scope_see_a_users_orders(system: System, owner: int) -> None:
    expected = owned_order_ids(system, owner)
    for headers in (system.as_user(owner), system.as_staff()):
        response = system.post(ORDERS_OF, {"id": str(owner)}, headers=headers)
        assert response.errors == [], response.errors
        assert order_ids(response.data) == expected


@pytest.mark.parametrize("caller", ["anonymous", "another-user"])
def test_nobody_else_sees_a_users_orders(system: System, owner: int, caller: str) -> None:
    headers = {} if caller == "anonymous" else system.as_user(owner + 1)
    response = system.post(ORDERS_OF, {"id": str(owner)}, headers=headers)
    assert response.status == 200, response.text
    assert order_ids(response.data) == [], "another user's orders leaked"
    [order_id, *_] = owned_order_ids(system, owner)
    single = system.post(
        "query ($id: ID!) { order(id: $id) { id total { amount } } }",
        {"id": order_id},
        headers=headers,
    )
    assert (single.data or {}).get("order") is None, "another user's order leaked"
