"""The subgraphs' data layer through the router: bad input, dangling references, clients
that give up. Real HTTP on loopback (`system`: the bundled subgraphs and a router).
"""

from __future__ import annotations

import concurrent.futures
import random
import time

import httpx

from subgraphs._common.database import Database
from tests.e2e.system import SUBGRAPHS, System

BAD_CURSOR_QUERY = """{
  categories { products { pageInfo { hasPreviousPage } } }
  category(slug: "outdoors") {
    a: products(after: "Compact Tent 6") { edges { cursor } }
    products { pageInfo { hasNextPage } }
  }
}"""
LATEST = "{ latestReviews(first: 10) { id product { name } } }"
CREATE_REVIEW = """
mutation($upc: String!) {
  createReview(input: {productUpc: $upc, rating: 5, body: "Great!"}) { id }
}"""


def _database(system: System, name: str) -> Database:
    app = system.subgraphs[name].app.app  # RequestCounter -> the subgraph's Starlette app
    database: Database = app.state.database
    return database


def _review_count(system: System) -> int:
    ((count,),) = system.rows("reviews", "SELECT count(*) FROM reviews")
    return int(count)


def test_an_invalid_cursor_errors_its_field_and_the_rest_answers(system: System) -> None:
    """Was HTTP 500 from the products subgraph (a `CancelledError`), three times of three."""
    for _ in range(3):
        response = system.post(BAD_CURSOR_QUERY)
        assert response.status == 200, response.text
        assert response.codes() == ["BAD_USER_INPUT"]
        assert response.errors[0]["path"] == ["category", "a"]
        assert response.data["category"] is None  # `a` is non-null: null propagates
        assert (
            response.data["categories"]
            == [{"products": {"pageInfo": {"hasPreviousPage": False}}}] * 8
        )


def test_a_review_of_a_product_that_does_not_exist_is_refused(system: System) -> None:
    """Was accepted; then `latestReviews { product { name } }` broke for every client."""
    before = _review_count(system)
    refused = system.post(CREATE_REVIEW, {"upc": "999999999998"}, headers=system.as_user())
    assert refused.status == 200, refused.text
    assert refused.codes() == ["BAD_USER_INPUT"]
    assert refused.data is None
    assert _review_count(system) == before  # nothing written
    latest = system.post(LATEST)
    assert latest.status == 200 and latest.errors == [], latest.text
    assert all(review["product"]["name"] for review in latest.data["latestReviews"])


def test_clients_that_give_up_leave_every_subgraph_pool_idle(system: System) -> None:
    """Clients abandon queries at random points; the subgraphs return every connection."""
    queries = [
        BAD_CURSOR_QUERY,
        LATEST,
        "{ topProducts: products(first: 20) { edges { node { name reviews { body author "
        "{ username } } inStock shippingEstimate } } } }",
        '{ search(text: "e", first: 10) { ... on Product { name averageRating } } }',
    ]
    for query in queries[1:]:  # valid, and answered in full when nobody gives up
        answered = system.post(query)
        assert answered.status == 200 and answered.errors == [], answered.text
    rng = random.Random(12)
    url = f"{system.router_url}/graphql"

    def give_up(seed: int) -> int:
        local = random.Random(seed)
        abandoned = 0
        for _ in range(15):
            try:
                with httpx.Client(timeout=local.uniform(0.001, 0.05)) as client:
                    client.post(url, json={"query": local.choice(queries)})
            except httpx.TimeoutException:
                abandoned += 1
        return abandoned

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        abandoned = sum(pool.map(give_up, [rng.randrange(10**6) for _ in range(6)]))
    assert abandoned > 0
    for _ in range(500):  # the subgraphs finish what the router still asked of them
        if all(_database(system, name).checked_out == 0 for name in SUBGRAPHS):
            break
        time.sleep(0.02)
    assert {name: _database(system, name).checked_out for name in SUBGRAPHS} == dict.fromkeys(
        SUBGRAPHS, 0
    )
    # Everything still answers.
    answer = system.post(LATEST)
    assert answer.status == 200 and answer.errors == [] and len(answer.data["latestReviews"]) == 10
