"""Subjects that are not integers (an identity provider's UUIDs) own what they create.

The router verifies the client's token and signs its subject for the subgraphs;
orders and reviews store it as the owner, as they do "7". A system of its own: the
review written here has an author with no account (accounts keys users by integer
ids), which the shared system's tests of `latestReviews { author { name } }` must
not meet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from subgraphs._common.seeding import product_price, product_upc
from tests.e2e.system import System
from tests.e2e.test_mutations import order_input, orders_with_key


@pytest.fixture(scope="module")
def own_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System.running(tmp_path_factory.mktemp("subjects")) as running:
        yield running


def test_a_subject_that_is_a_uuid_places_orders_and_writes_reviews(own_system: System) -> None:
    """An identity provider's subject (a UUID, no integer): its order and review are
    stored under it and it alone reads them back; accounts has no user for it."""
    system = own_system
    subject = str(uuid.uuid4())
    signed_in = system.as_user(subject)
    key = f"e2e-{uuid.uuid4()}"
    placed = system.post(
        "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id user { id } } }",
        order_input(key, [(2, 1)]),
        headers=signed_in,
    )
    assert placed.errors == [], placed.errors
    order = placed.data["placeOrder"]
    assert order["user"] == {"id": subject}
    assert orders_with_key(system, key) == [(int(order["id"]), subject)]
    reviewed = system.post(
        "mutation($input: CreateReviewInput!) { createReview(input: $input) { id author { id } } }",
        {"input": {"productUpc": product_upc(2), "rating": 4, "body": "From a UUID."}},
        headers=signed_in,
    )
    assert reviewed.errors == [], reviewed.errors
    review = reviewed.data["createReview"]
    assert review["author"] == {"id": subject}
    assert system.rows(
        "reviews", "SELECT body, author_id FROM reviews WHERE id = ?", int(review["id"])
    ) == [("From a UUID.", subject)]
    read = "query($id: ID!) { order(id: $id) { id total { amount } } }"
    own = system.post(read, {"id": order["id"]}, headers=signed_in)
    assert own.data == {"order": {"id": order["id"], "total": {"amount": product_price(2)}}}
    other = system.post(read, {"id": order["id"]}, headers=system.as_user(str(uuid.uuid4())))
    assert other.codes() == ["FORBIDDEN"]
    assert other.data == {"order": None}
