"""Mutations through the router: idempotent placeOrder, createReview's validation errors.

The client signs in with a user token (`system.as_user()`); the router verifies it and
forwards the user to the subgraphs in its signed identity token.
"""

from __future__ import annotations

import uuid
from typing import Any

from subgraphs._common.seeding import CURRENCY, product_price, product_upc, username
from tests.e2e.system import ACTING_USER, System

PLACE_ORDER = """
mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id
    status
    total { amount currency }
    user { id username }
    items { quantity unitPrice { amount } product { upc name shippingEstimate } }
  }
}
"""

CREATE_REVIEW = """
mutation Review($input: CreateReviewInput!) {
  createReview(input: $input) { id rating body author { id username } product { upc name } }
}
"""


def order_input(key: str, lines: list[tuple[int, int]]) -> dict[str, Any]:
    items = [{"productUpc": product_upc(pid), "quantity": q} for pid, q in lines]
    return {"input": {"idempotencyKey": key, "items": items}}


def orders_with_key(system: System, key: str) -> list[tuple[int, str]]:
    return system.rows("orders", "SELECT id, user_id FROM orders WHERE idempotency_key = ?", key)


def test_place_order_twice_with_one_idempotency_key_creates_one_order(system: System) -> None:
    key = f"e2e-{uuid.uuid4()}"
    variables = order_input(key, [(3, 2), (5, 1)])
    first = system.post(PLACE_ORDER, variables, headers=system.as_user())
    second = system.post(PLACE_ORDER, variables, headers=system.as_user())
    assert first.status == 200 and second.status == 200
    assert first.errors == [] and second.errors == [], (first.errors, second.errors)
    order = first.data["placeOrder"]
    assert second.data["placeOrder"] == order
    assert order["status"] == "PLACED"
    assert order["user"] == {"id": str(ACTING_USER), "username": username(ACTING_USER)}
    assert order["total"] == {
        "amount": 2 * product_price(3) + product_price(5),
        "currency": CURRENCY,
    }
    assert [(i["product"]["upc"], i["quantity"]) for i in order["items"]] == [
        (product_upc(3), 2),
        (product_upc(5), 1),
    ]
    assert all(i["product"]["name"] for i in order["items"])
    # One row in the orders database, and the router reads it back.
    assert orders_with_key(system, key) == [(int(order["id"]), str(ACTING_USER))]
    again = system.post(
        "query ($id: ID!) { order(id: $id) { id total { amount } } }",
        {"id": order["id"]},
        headers=system.as_user(),
    )
    assert again.data == {
        "order": {"id": order["id"], "total": {"amount": order["total"]["amount"]}}
    }


def test_reusing_an_idempotency_key_for_other_items_is_bad_user_input(system: System) -> None:
    key = f"e2e-{uuid.uuid4()}"
    assert (
        system.post(PLACE_ORDER, order_input(key, [(1, 1)]), headers=system.as_user()).errors == []
    )
    other = system.post(PLACE_ORDER, order_input(key, [(2, 1)]), headers=system.as_user())
    assert other.status == 200
    assert other.data is None  # placeOrder is non-null
    [error] = other.errors
    assert error["path"] == ["placeOrder"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(orders_with_key(system, key)) == 1


def test_an_unknown_product_places_no_order(system: System) -> None:
    key = f"e2e-{uuid.uuid4()}"
    response = system.post(
        PLACE_ORDER, order_input(key, [(1, 1), (999_999, 1)]), headers=system.as_user()
    )
    assert response.data is None
    assert [e["path"] for e in response.errors] == [["placeOrder"]]
    assert response.codes() == ["BAD_USER_INPUT"]
    assert orders_with_key(system, key) == []


def test_create_review_validation_errors_are_bad_user_input_at_client_paths(
    system: System,
) -> None:
    before = system.rows("reviews", "SELECT COUNT(*) FROM reviews")
    cases = {
        "rating": {"productUpc": product_upc(1), "rating": 9, "body": "Great."},
        "body": {"productUpc": product_upc(1), "rating": 4, "body": "   "},
        "productUpc": {"productUpc": "nope", "rating": 4, "body": "Great."},
    }
    for field, review in cases.items():
        response = system.post(CREATE_REVIEW, {"input": review}, headers=system.as_user())
        assert response.status == 200, response.text
        assert response.data is None, field
        [error] = response.errors
        assert error["path"] == ["createReview"], error
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert field in error["message"], error
        # Aliased: the path is the client's response key.
        aliased = system.post(
            CREATE_REVIEW.replace("createReview(", "mine: createReview("),
            {"input": review},
            headers=system.as_user(),
        )
        assert [e["path"] for e in aliased.errors] == [["mine"]]
        assert aliased.codes() == ["BAD_USER_INPUT"]
    assert system.rows("reviews", "SELECT COUNT(*) FROM reviews") == before


def test_create_review_through_the_router(system: System) -> None:
    response = system.post(
        CREATE_REVIEW,
        {"input": {"productUpc": product_upc(4), "rating": 5, "body": " Superb. "}},
        headers=system.as_user(),
    )
    assert response.errors == [], response.errors
    review = response.data["createReview"]
    assert review["rating"] == 5 and review["body"] == "Superb."
    assert review["author"] == {"id": str(ACTING_USER), "username": username(ACTING_USER)}
    assert review["product"]["upc"] == product_upc(4)
    assert review["product"]["name"].endswith(" 4")
    rows = system.rows(
        "reviews", "SELECT product_upc, author_id FROM reviews WHERE id = ?", int(review["id"])
    )
    assert rows == [(product_upc(4), str(ACTING_USER))]


def test_a_wrong_variable_type_in_a_mutation_is_rejected_by_the_router(system: System) -> None:
    before = system.subgraph_requests()
    response = system.post(
        CREATE_REVIEW,
        {"input": {"productUpc": product_upc(1), "rating": "five", "body": "x"}},
        headers=system.as_user(),
    )
    assert response.status == 400, response.text
    assert "data" not in response.body
    assert response.codes() == ["BAD_USER_INPUT"]
    assert response.errors[0]["locations"]
    assert system.subgraph_requests() == before  # never reached a subgraph


# `@authenticated` mutations: refused by the router (UNAUTHORIZED_FIELD_OR_TYPE) once
# the subgraph's SDL carries the directive, else by the subgraph (UNAUTHENTICATED).
REFUSED = {"UNAUTHORIZED_FIELD_OR_TYPE", "UNAUTHENTICATED"}


def test_anonymous_mutations_are_refused_at_their_path(system: System) -> None:
    key = f"e2e-{uuid.uuid4()}"
    order = system.post(PLACE_ORDER, order_input(key, [(1, 1)]))
    assert order.status == 200, order.text
    assert order.data is None
    [error] = order.errors
    assert error["path"] == ["placeOrder"]
    assert error["extensions"]["code"] in REFUSED, error
    assert orders_with_key(system, key) == []
    before = system.rows("reviews", "SELECT COUNT(*) FROM reviews")
    review = {"productUpc": product_upc(1), "rating": 4, "body": "Anonymous."}
    response = system.post(CREATE_REVIEW, {"input": review})
    assert response.data is None
    [error] = response.errors
    assert error["path"] == ["createReview"]
    assert error["extensions"]["code"] in REFUSED, error
    assert system.rows("reviews", "SELECT COUNT(*) FROM reviews") == before


def test_a_bad_token_is_refused_at_the_router(system: System) -> None:
    before = system.subgraph_requests()
    response = system.post("{ me { id } }", headers={"authorization": f"Bearer {system.token(1)}x"})
    assert response.status == 401, response.text
    assert response.codes() == ["UNAUTHENTICATED"]
    assert system.subgraph_requests() == before


def test_me_is_the_signed_in_user(system: System) -> None:
    for user_id in (3, ACTING_USER):
        response = system.post("{ me { id username } }", headers=system.as_user(user_id))
        assert response.data == {"me": {"id": str(user_id), "username": username(user_id)}}
    assert system.post("{ me { id } }").data == {"me": None}


def test_two_mutations_in_one_operation_each_write_once(system: System) -> None:
    key = f"e2e-{uuid.uuid4()}"
    query = """mutation Both($review: CreateReviewInput!, $order: PlaceOrderInput!) {
      createReview(input: $review) { id rating product { upc } }
      placeOrder(input: $order) { id total { amount } }
    }"""
    variables = {
        "review": {"productUpc": product_upc(6), "rating": 3, "body": "Two at once."},
        "order": order_input(key, [(6, 1)])["input"],
    }
    with system.measure() as measured:
        response = system.post(query, variables, headers=system.as_user())
    assert response.errors == [], response.errors
    assert list(response.data) == ["createReview", "placeOrder"]
    review, order = response.data["createReview"], response.data["placeOrder"]
    assert review["product"] == {"upc": product_upc(6)} and review["rating"] == 3
    assert order["total"] == {"amount": product_price(6)}
    assert orders_with_key(system, key) == [(int(order["id"]), str(ACTING_USER))]
    assert system.rows(
        "reviews", "SELECT body, author_id FROM reviews WHERE id = ?", int(review["id"])
    ) == [("Two at once.", str(ACTING_USER))]
    assert measured.requests == {
        "accounts": 0,
        "products": 0,
        "reviews": 1,
        "inventory": 0,
        "orders": 1,
    }
