"""Cross-domain queries through the router over real HTTP: data, requests and SQL per operation.

Orders are read with a staff token (scope `orders:read`), which sees every user's.
The expected values come from the deterministic seed facts (`subgraphs._common.seeding`:
usernames, prices, weights; inventory's seeded stock rows) and, for what the seed
draws at random (which user placed which order, which review is newest), from each
subgraph's own SQLite file read directly: the router's answer must agree with both.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from subgraphs._common.seeding import (
    CURRENCY,
    Scale,
    product_id_for_upc,
    product_price,
    product_weight,
    username,
)
from subgraphs.inventory.seed import stock_rows
from tests.e2e.system import (
    SCALE,
    SUBGRAPHS,
    Measurement,
    Response,
    System,
    fetch_counts,
    parse_metrics,
    post,
)

# users -> orders (orders) -> items -> product (products: name, price, weight)
#   -> reviews/averageRating (reviews; author.username through @provides, no accounts fetch)
#   -> shippingEstimate (inventory, @requires price { amount } weight), inStock, quantity
JOIN = """
query Join($users: Int!) {
  users(first: $users) {
    edges {
      node {
        id
        username
        orders(first: 5) {
          id
          total { amount currency }
          items {
            quantity
            unitPrice { amount currency }
            product {
              upc
              name
              price { amount currency }
              weight
              shippingEstimate
              inStock
              quantity
              averageRating
              reviews(first: 2) { id rating author { id username } }
            }
          }
        }
      }
    }
  }
}
"""

# Other shapes whose list sizes grow with $n; several fetches of one subgraph in a plan.
SHAPES: dict[str, str] = {
    "join": JOIN.replace("$users", "$n"),
    "catalogue": """
query Catalogue($n: Int!) {
  products(first: $n) {
    edges {
      node {
        upc
        name
        inStock
        shippingEstimate
        reviews(first: 3) {
          rating
          author { username name reviews(first: 1) { id product { name } } }
        }
      }
    }
  }
}""",
    "latest": """
query Latest($n: Int!) {
  latestReviews(first: $n) {
    id
    product { name quantity shippingEstimate }
    author { name orders(first: 2) { total { amount } items { product { upc weight } } } }
  }
}""",
}
SMALL, LARGE = 2, 20


def shipping(price: int, weight: int) -> int:
    """inventory's documented rule: free from 250.00, else 4.99 + 0.99 per started kg."""
    if price >= 25_000:
        return 0
    return 499 + 99 * ((weight + 999) // 1_000)


def run_join(system: System, users: int) -> Response:
    response = system.post(JOIN, {"users": users}, headers=system.as_staff())
    assert response.status == 200, response.text
    assert response.errors == [], response.errors
    return response


def test_a_query_joining_all_five_domains_returns_the_seeded_data(system: System) -> None:
    response = run_join(system, LARGE)
    seeded_stock: dict[str, int] = {}
    for row in stock_rows(Scale(SCALE)):
        seeded_stock[row["product_upc"]] = seeded_stock.get(row["product_upc"], 0) + row["quantity"]
    nodes = [edge["node"] for edge in response.data["users"]["edges"]]
    assert [node["id"] for node in nodes] == [str(i) for i in range(1, LARGE + 1)]
    products_seen = 0
    estimates: set[int] = set()
    for node in nodes:
        user_id = int(node["id"])
        assert node["username"] == username(user_id)
        expected_orders = system.rows(
            "orders",
            "SELECT id, total_amount FROM orders WHERE user_id = ? "
            "ORDER BY placed_at DESC, id LIMIT 5",
            user_id,
        )
        assert [(int(o["id"]), o["total"]["amount"]) for o in node["orders"]] == expected_orders
        for order in node["orders"]:
            assert order["total"]["currency"] == CURRENCY
            items = system.rows(
                "orders",
                "SELECT product_upc, quantity FROM order_items WHERE order_id = ? ORDER BY id",
                int(order["id"]),
            )
            assert [(i["product"]["upc"], i["quantity"]) for i in order["items"]] == items
            assert order["total"]["amount"] == sum(
                i["quantity"] * i["unitPrice"]["amount"] for i in order["items"]
            )
            for item in order["items"]:
                products_seen += 1
                product = item["product"]
                product_id = product_id_for_upc(product["upc"])
                assert product_id is not None
                price, weight = product_price(product_id), product_weight(product_id)
                assert item["unitPrice"] == {"amount": price, "currency": CURRENCY}
                assert product["price"] == {"amount": price, "currency": CURRENCY}
                assert product["weight"] == weight
                assert product["name"].endswith(f" {product_id}")
                assert product["shippingEstimate"] == shipping(price, weight)
                estimates.add(product["shippingEstimate"])
                assert product["quantity"] == seeded_stock.get(product["upc"], 0)
                assert product["inStock"] is (product["quantity"] > 0)
                check_reviews(system, product)
    # The data really spans the domains: many items, both branches of the shipping rule.
    assert products_seen > LARGE
    assert 0 in estimates and len(estimates) > 1


def check_reviews(system: System, product: dict[str, Any]) -> None:
    [(average,)] = system.rows(
        "reviews", "SELECT AVG(rating) FROM reviews WHERE product_upc = ?", product["upc"]
    )
    assert product["averageRating"] == pytest.approx(average)
    newest = system.rows(
        "reviews",
        "SELECT id, rating, author_id FROM reviews WHERE product_upc = ? "
        "ORDER BY created_at DESC, id LIMIT 2",
        product["upc"],
    )
    got = [(int(r["id"]), r["rating"], r["author"]["id"]) for r in product["reviews"]]
    assert got == newest
    for review in product["reviews"]:
        # @provides: the username reviews keeps for its author, equal to accounts' fact.
        assert review["author"]["username"] == username(int(review["author"]["id"]))


def test_reviews_author_username_comes_from_reviews_through_provides(system: System) -> None:
    response = system.post(
        JOIN, {"users": SMALL}, extensions={"includeQueryPlan": True}, headers=system.as_staff()
    )
    assert response.errors == []
    plan = response.body["extensions"]["queryPlan"]
    # accounts is asked once, for the root field: never for the reviews' authors.
    assert fetch_counts(plan["object"])["accounts"] == 1
    assert "username" in plan["text"]


def test_the_plan_the_router_exposes_is_the_planners_plan(system: System) -> None:
    from graphql import parse

    from supergraph.planner import build_query_plan
    from supergraph.planner.render import plan_to_json
    from supergraph.schema import load_supergraph

    model = load_supergraph(system.supergraph_sdl)
    for shape, query in SHAPES.items():
        response = system.post(
            query, {"n": SMALL}, extensions={"includeQueryPlan": True}, headers=system.as_staff()
        )
        exposed = response.body["extensions"]["queryPlan"]["object"]
        assert exposed == plan_to_json(build_query_plan(model, parse(query), None)), shape


def measure(system: System, query: str, n: int) -> tuple[Measurement, dict[str, int], Response]:
    with system.measure() as measured:
        response = system.post(
            query, {"n": n}, extensions={"includeQueryPlan": True}, headers=system.as_staff()
        )
    assert response.status == 200, response.text
    assert response.errors == [], response.errors
    plan = fetch_counts(response.body["extensions"]["queryPlan"]["object"])
    return measured, plan, response


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_requests_per_subgraph_equal_the_plan_fetches_whatever_the_list_sizes(
    system: System, shape: str
) -> None:
    small, small_plan, small_response = measure(system, SHAPES[shape], SMALL)
    large, large_plan, large_response = measure(system, SHAPES[shape], LARGE)
    # The lists did grow (20 products or reviews instead of 2, and what hangs off them).
    assert len(json.dumps(large_response.data)) > 5 * len(json.dumps(small_response.data))
    assert small_plan == large_plan
    # Counted at each subgraph, and as the router's own metric says.
    assert small.requests == small_plan
    assert large.requests == large_plan
    assert small.routed == small_plan
    assert large.routed == large_plan
    # Every domain of the shape is asked, none twice for one plan node.
    assert sum(large_plan.values()) >= 3


def test_the_join_is_one_request_per_subgraph(system: System) -> None:
    measured, plan, _ = measure(system, SHAPES["join"], LARGE)
    assert plan == dict.fromkeys(SUBGRAPHS, 1)
    assert measured.requests == dict.fromkeys(SUBGRAPHS, 1)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_sql_statements_per_operation_do_not_depend_on_list_sizes(
    system: System, shape: str
) -> None:
    small, _, _ = measure(system, SHAPES[shape], SMALL)
    large, _, _ = measure(system, SHAPES[shape], LARGE)
    assert small.statements == large.statements
    # Batched: a handful of statements per subgraph request, never one per row.
    for name, statements in large.statements.items():
        assert statements <= 3 * large.requests[name], (name, large.statements, large.requests)


def products_in(data: dict[str, Any]) -> list[str]:
    return [
        item["product"]["upc"]
        for edge in data["users"]["edges"]
        for order in edge["node"]["orders"]
        for item in order["items"]
    ]


def test_entity_fetches_send_each_representation_once(system: System) -> None:
    marks = {name: counter.count for name, counter in system.counters.items()}
    response = run_join(system, LARGE)
    upcs = products_in(response.data)
    assert len(upcs) > len(set(upcs))  # the same products appear in many orders
    for name in ("products", "reviews", "inventory"):
        [body] = system.counters[name].since(marks[name])
        representations = body["variables"]["representations"]
        keys = [json.dumps(r, sort_keys=True) for r in representations]
        assert len(keys) == len(set(keys)), f"{name} got duplicate representations"
        assert sorted(r["upc"] for r in representations) == sorted(set(upcs)), name
    # inventory's @requires: each representation carries the product's price and weight.
    [inventory] = system.counters["inventory"].since(marks["inventory"])
    for representation in inventory["variables"]["representations"]:
        product_id = product_id_for_upc(representation["upc"])
        assert product_id is not None
        assert representation["price"] == {"amount": product_price(product_id)}
        assert representation["weight"] == product_weight(product_id)
    # Only the orders' users went to orders: one representation per user.
    [orders] = system.counters["orders"].since(marks["orders"])
    assert [r["id"] for r in orders["variables"]["representations"]] == [
        str(i) for i in range(1, LARGE + 1)
    ]


def deduplicated(system: System) -> dict[str, float]:
    """The router's `router_subgraph_deduplicated_requests_total` per subgraph."""
    counts = dict.fromkeys(SUBGRAPHS, 0.0)
    text = system.client.get(f"{system.router_url}/metrics").text
    for (name, labels), value in parse_metrics(text).items():
        if name == "router_subgraph_deduplicated_requests_total":
            counts[dict(labels)["subgraph"]] = value
    return counts


def test_concurrent_operations_each_get_their_own_answer_and_requests(system: System) -> None:
    """Ten clients at once, with different list sizes: answers equal the one-at-a-time
    answers, and each operation's plan requests are all sent or shared (none lost)."""
    sizes = [1 + i % 5 for i in range(10)]
    alone: dict[int, Any] = {}
    cost: dict[int, dict[str, int]] = {}
    for n in set(sizes):
        start = system.subgraph_requests()
        alone[n] = run_join(system, n).data
        cost[n] = {name: count - start[name] for name, count in system.subgraph_requests().items()}
    before, shared_before = system.subgraph_requests(), deduplicated(system)

    def send(n: int) -> Any:
        with httpx.Client(timeout=60.0) as client:
            response = post(
                client,
                f"{system.router_url}/graphql",
                JOIN,
                {"users": n},
                headers=system.as_staff(),
            )
        assert response.errors == [], response.errors
        return response.data

    with ThreadPoolExecutor(max_workers=len(sizes)) as pool:
        answers = list(pool.map(send, sizes))
    assert answers == [alone[n] for n in sizes]
    after, shared_after = system.subgraph_requests(), deduplicated(system)
    # (A user without orders needs no product fetches: empty fetches are skipped.)
    expected = {name: sum(cost[n][name] for n in sizes) for name in SUBGRAPHS}
    # Operations of equal size in flight at once may share identical subgraph
    # requests (in-flight de-duplication): each planned request is sent or shared.
    sent_or_shared = {
        name: after[name] - before[name] + shared_after[name] - shared_before[name]
        for name in after
    }
    assert sent_or_shared == expected


CONDITIONAL = """
query Conditional($n: Int!, $withReviews: Boolean!, $noStock: Boolean!) {
  products(first: $n) {
    edges {
      node {
        upc
        reviews(first: 1) @include(if: $withReviews) { rating }
        ... @skip(if: $noStock) { inStock }
      }
    }
  }
}
"""


@pytest.mark.parametrize(("with_reviews", "no_stock"), [(True, False), (False, True)])
def test_skip_and_include_on_variables_decide_which_subgraphs_are_asked(
    system: System, with_reviews: bool, no_stock: bool
) -> None:
    variables = {"n": LARGE, "withReviews": with_reviews, "noStock": no_stock}
    with system.measure() as measured:
        response = system.post(CONDITIONAL, variables)
    assert response.errors == [], response.errors
    nodes = [edge["node"] for edge in response.data["products"]["edges"]]
    assert len(nodes) == LARGE
    assert all(("reviews" in node) is with_reviews for node in nodes)
    assert all(("inStock" in node) is not no_stock for node in nodes)
    expected = {
        "products": 1,
        "reviews": int(with_reviews),
        "inventory": int(not no_stock),
        "accounts": 0,
        "orders": 0,
    }
    assert measured.requests == expected
    assert measured.routed == expected


def test_a_get_query_answers_like_a_post(system: System) -> None:
    query = SHAPES["latest"]
    posted = system.post(query, {"n": SMALL}, headers=system.as_staff())
    got = system.client.get(
        f"{system.router_url}/graphql",
        params={"query": query, "variables": json.dumps({"n": SMALL})},
        headers={
            "accept": "application/graphql-response+json",
            "apollo-require-preflight": "true",
            **system.as_staff(),
        },
    )
    assert got.status_code == 200, got.text
    assert got.json() == posted.body


def test_the_same_field_with_other_arguments_under_aliases_is_one_fetch(system: System) -> None:
    [(upc, count)] = system.rows(
        "reviews",
        "SELECT product_upc, COUNT(*) FROM reviews GROUP BY product_upc "
        "ORDER BY COUNT(*) DESC, product_upc LIMIT 1",
    )
    assert count >= 3
    query = """query ($upc: String!) {
      __typename
      product(upc: $upc) {
        __typename
        one: reviews(first: 1) { id }
        three: reviews(first: 3) { id rating }
        reviews { id }
        name
      }
    }"""
    with system.measure() as measured:
        response = system.post(query, {"upc": upc})
    assert response.errors == [], response.errors
    product = response.data["product"]
    assert response.data["__typename"] == "Query"
    assert list(product) == ["__typename", "one", "three", "reviews", "name"]
    assert product["__typename"] == "Product"
    newest = system.rows(
        "reviews",
        "SELECT id FROM reviews WHERE product_upc = ? ORDER BY created_at DESC, id LIMIT 5",
        upc,
    )
    ids = [str(review_id) for (review_id,) in newest]
    assert [r["id"] for r in product["one"]] == ids[:1]
    assert [r["id"] for r in product["three"]] == ids[:3]
    assert [r["id"] for r in product["reviews"]] == ids[:5]  # the default, first: 5
    assert measured.requests == {
        "accounts": 0,
        "products": 1,
        "reviews": 1,
        "inventory": 0,
        "orders": 0,
    }


def test_introspection_is_answered_by_the_router_alone(system: System) -> None:
    query = """{
      __schema { queryType { name } mutationType { name } }
      __type(name: "Product") { fields { name } }
    }"""
    with system.measure() as measured:
        response = system.post(query)
    assert response.errors == [], response.errors
    assert response.data["__schema"] == {
        "queryType": {"name": "Query"},
        "mutationType": {"name": "Mutation"},
    }
    fields = {f["name"] for f in response.data["__type"]["fields"]}
    # Every domain's Product fields, and none of the federation machinery.
    assert {"upc", "name", "price", "reviews", "shippingEstimate", "inStock"} <= fields
    assert not any(name.startswith("_") for name in fields)
    assert set(measured.requests.values()) == {0}
