"""The orders subgraph over SQLite and PostgreSQL: SDL, entities, batching, placeOrder.

placeOrder is checked for idempotency (sequential and concurrent retries), for real
concurrency (50 requests through the ASGI app at once, each its own session and
connection), and for atomicity (a failing item leaves no order and no item behind).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from subgraphs import registry
from subgraphs._common.context import USER_ID_HEADER
from subgraphs._common.seeding import CURRENCY, product_price, product_upc
from subgraphs.orders import placing
from subgraphs.orders.models import OrderItemRow, OrderRow
from subgraphs.orders.placing import MAX_QUANTITY
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory

ORDER_FIELDS = (
    "id status placedAt user { id } total { amount currency }"
    " items { product { upc } quantity unitPrice { amount currency } }"
)

PLACE = f"""
mutation($input: PlaceOrderInput!) {{
  placeOrder(input: $input) {{ {ORDER_FIELDS} }}
}}
"""


@pytest.fixture
async def orders(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("orders")


@pytest.fixture
async def fresh_orders(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("orders", fresh=True)


def _data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


async def _counts(harness: Harness) -> tuple[int, int]:
    """(orders, order items) stored."""
    async with harness.database.session() as session:
        orders = await session.scalar(select(func.count(OrderRow.id)))
        items = await session.scalar(select(func.count(OrderItemRow.id)))
    assert orders is not None and items is not None
    return orders, items


def _input(key: str, lines: list[tuple[int, int]]) -> dict[str, Any]:
    """placeOrder input: (product id, quantity) lines."""
    return {
        "input": {
            "idempotencyKey": key,
            "items": [{"productUpc": product_upc(pid), "quantity": q} for pid, q in lines],
        }
    }


def _total(lines: list[tuple[int, int]]) -> int:
    return sum(quantity * product_price(pid) for pid, quantity in lines)


# -- schema and entities -----------------------------------------------------------------


async def test_sdl_has_the_keys_and_types(orders: Harness) -> None:
    sdl = _data(await orders.execute("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key", "@shareable"])'
    )
    assert 'type Order @key(fields: "id") {' in sdl
    assert 'type User @key(fields: "id") {' in sdl
    assert 'type Product @key(fields: "upc") {' in sdl
    assert "type Money @shareable {" in sdl
    for field in (
        "user: User!",
        "items: [OrderItem!]!",
        "total: Money!",
        "status: OrderStatus!",
        "placedAt: DateTime!",
        "product: Product!",
        "quantity: Int!",
        "unitPrice: Money!",
        "orders(first: Int! = 5): [Order!]!",
    ):
        assert f"  {field}\n" in sdl
    assert "enum OrderStatus {" in sdl
    assert "order(id: ID!): Order" in sdl
    assert "placeOrder(input: PlaceOrderInput!): Order!" in sdl
    assert "union _Entity = Order | Product | User" in sdl


async def test_order_entities_in_order_with_null_for_missing(orders: Harness) -> None:
    result = await orders.entities(
        [
            {"__typename": "Order", "id": "2"},
            {"__typename": "Order", "id": "999999"},
            {"__typename": "Order", "id": 1},
        ],
        f"... on Order {{ {ORDER_FIELDS} }}",
    )
    first, missing, last = _data(result)["_entities"]
    assert missing is None
    assert (first["id"], last["id"]) == ("2", "1")
    for order in (first, last):
        assert 1 <= len(order["items"]) <= 4
        assert 1 <= int(order["user"]["id"]) <= TEST_SCALE.users
        assert order["placedAt"].endswith("+00:00")
        for item in order["items"]:
            pid = int(item["product"]["upc"])
            assert 1 <= pid <= TEST_SCALE.products
            assert item["unitPrice"] == {"amount": product_price(pid), "currency": CURRENCY}
        assert order["total"] == {
            "amount": sum(i["quantity"] * i["unitPrice"]["amount"] for i in order["items"]),
            "currency": CURRENCY,
        }


async def test_user_and_product_entities(orders: Harness) -> None:
    async with orders.database.session() as session:
        rows = (await session.scalars(select(OrderRow))).all()
    user_id = rows[0].user_id
    result = await orders.entities(
        [{"__typename": "User", "id": str(user_id)}, {"__typename": "Product", "upc": "x"}],
        "... on User { id orders(first: 100) { id placedAt user { id } } } ... on Product { upc }",
    )
    user, product = _data(result)["_entities"]
    mine = sorted(
        (row for row in rows if row.user_id == user_id),
        key=lambda row: (row.placed_at, row.id),
        reverse=True,
    )
    assert [o["id"] for o in user["orders"]] == [str(row.id) for row in mine]
    assert {o["user"]["id"] for o in user["orders"]} == {str(user_id)}
    assert product == {"__typename": "Product", "upc": "x"}


@pytest.mark.parametrize("size", [10, 500])
async def test_user_orders_cost_two_statements_whatever_the_batch_size(
    orders: Harness, size: int
) -> None:
    assert size <= TEST_SCALE.users
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, size + 1)]
    before = orders.statements
    result = await orders.entities(
        representations, "... on User { orders { items { product { upc } } } }"
    )
    # One ROW_NUMBER() SELECT for the users' orders, one SELECT for all their items.
    assert orders.statements - before == 2
    entities = _data(result)["_entities"]
    assert len(entities) == size
    assert sum(len(user["orders"]) for user in entities) > 0
    assert all(order["items"] for user in entities for order in user["orders"])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"__typename": "Review", "id": "1"}, "'Review' is not an entity type of this subgraph"),
        ({"id": "1"}, "representation has no __typename"),
        ({"__typename": "Order"}, "representation of Order is missing key field 'id'"),
        ({"__typename": "User", "upc": "1"}, "representation of User is missing key field 'id'"),
        (
            {"__typename": "Order", "id": "1.5"},
            "wrong type for key field 'id': expected an integer, got '1.5'",
        ),
        (
            {"__typename": "Product", "upc": None},
            "wrong type for key field 'upc': expected a string, got None",
        ),
        ([], "a representation must be an object"),
    ],
)
async def test_a_bad_representation_fails_only_its_own_entry(
    orders: Harness, bad: Any, message: str
) -> None:
    good = {"__typename": "Order", "id": "3"}
    result = await orders.entities([good, bad, good], "... on Order { id }")
    assert result.data == {
        "_entities": [{"__typename": "Order", "id": "3"}, None, {"__typename": "Order", "id": "3"}]
    }
    assert result.errors is not None and len(result.errors) == 1
    assert message in result.errors[0].message
    assert result.errors[0].path == ["_entities", 1]
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_order_query(orders: Harness) -> None:
    found = _data(await orders.execute('{ order(id: "5") { id items { quantity } } }'))
    assert found["order"]["id"] == "5"
    assert _data(await orders.execute('{ order(id: "0") { id } }')) == {"order": None}


# -- placeOrder --------------------------------------------------------------------------


async def test_place_order_prices_items_from_the_price_facts(fresh_orders: Harness) -> None:
    lines = [(3, 2), (17, 1), (250, 5)]
    before = await _counts(fresh_orders)
    order = _data(await fresh_orders.execute(PLACE, _input("k-1", lines), user_id=9))["placeOrder"]
    assert int(order["id"]) == TEST_SCALE.orders + 1
    assert order["status"] == "PLACED"
    assert order["user"] == {"id": "9"}
    assert order["total"] == {"amount": _total(lines), "currency": CURRENCY}
    assert order["items"] == [
        {
            "product": {"upc": product_upc(pid)},
            "quantity": quantity,
            "unitPrice": {"amount": product_price(pid), "currency": CURRENCY},
        }
        for pid, quantity in lines
    ]
    assert await _counts(fresh_orders) == (before[0] + 1, before[1] + 3)
    fetched = _data(
        await fresh_orders.execute(f'{{ order(id: "{order["id"]}") {{ {ORDER_FIELDS} }} }}')
    )
    assert fetched["order"] == order


@pytest.mark.parametrize("size", [1, 50])
async def test_place_order_costs_the_same_statements_whatever_the_item_count(
    fresh_orders: Harness, size: int
) -> None:
    lines = [(pid, 1) for pid in range(1, size + 1)]
    before = fresh_orders.statements
    _data(await fresh_orders.execute(PLACE, _input("count", lines), user_id=1))
    # SELECT by key, SELECT prices, INSERT the order, INSERT all items (executemany),
    # SELECT the items for the response.
    assert fresh_orders.statements - before == 5
    before = fresh_orders.statements
    _data(await fresh_orders.execute(PLACE, _input("count", lines), user_id=1))
    # A replay: SELECT by key, SELECT the items.
    assert fresh_orders.statements - before == 2


async def test_the_same_idempotency_key_twice_creates_one_order(fresh_orders: Harness) -> None:
    lines = [(1, 1), (2, 2)]
    before = await _counts(fresh_orders)
    first = _data(await fresh_orders.execute(PLACE, _input("retry-me", lines), user_id=4))
    # A retry may list the items in another order: the same payload.
    again = _data(await fresh_orders.execute(PLACE, _input("retry-me", lines[::-1]), user_id=4))
    assert again["placeOrder"]["id"] == first["placeOrder"]["id"]
    assert again["placeOrder"]["total"] == first["placeOrder"]["total"]
    assert await _counts(fresh_orders) == (before[0] + 1, before[1] + 2)
    # Keys are per user: another user's identical key is another order.
    other = _data(await fresh_orders.execute(PLACE, _input("retry-me", lines), user_id=5))
    assert other["placeOrder"]["id"] != first["placeOrder"]["id"]
    assert await _counts(fresh_orders) == (before[0] + 2, before[1] + 4)


async def test_the_same_key_with_other_items_is_an_error(fresh_orders: Harness) -> None:
    first = _data(await fresh_orders.execute(PLACE, _input("k", [(1, 1)]), user_id=4))
    before = await _counts(fresh_orders)
    result = await fresh_orders.execute(PLACE, _input("k", [(1, 2)]), user_id=4)
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].message == (
        f"idempotencyKey 'k' was already used for order {first['placeOrder']['id']} "
        "with different items; use a new key for a new order"
    )
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}
    assert await _counts(fresh_orders) == before


async def test_concurrent_retries_with_one_key_create_one_order(fresh_orders: Harness) -> None:
    before = await _counts(fresh_orders)
    results = await asyncio.gather(
        *(
            fresh_orders.execute(PLACE, _input("double-click", [(7, 3)]), user_id=2)
            for _ in range(8)
        )
    )
    ids = {_data(result)["placeOrder"]["id"] for result in results}
    assert len(ids) == 1
    assert await _counts(fresh_orders) == (before[0] + 1, before[1] + 1)


@pytest.fixture
async def orders_client(fresh_orders: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """The orders ASGI app (as `subgraphs serve` runs it) over the fresh database."""
    app = registry.get("orders").create_app(fresh_orders.database.config, seed_scale=None)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
            yield client
    finally:
        await app.state.database.dispose()


async def test_fifty_concurrent_orders_through_the_app(
    fresh_orders: Harness, orders_client: httpx.AsyncClient
) -> None:
    def lines(n: int) -> list[tuple[int, int]]:
        return [
            (1 + (n * 7 + k * 31) % TEST_SCALE.products, 1 + (n + k) % 4) for k in range(1 + n % 4)
        ]

    async def place(n: int) -> dict[str, Any]:
        response = await orders_client.post(
            "/graphql",
            json={"query": PLACE, "variables": _input(f"concurrent-{n}", lines(n))},
            headers={USER_ID_HEADER: str(1 + n % 20)},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        order: dict[str, Any] = body["data"]["placeOrder"]
        return order

    before = await _counts(fresh_orders)
    placed = await asyncio.gather(*(place(n) for n in range(50)))
    assert len({order["id"] for order in placed}) == 50
    for n, order in enumerate(placed):
        assert order["total"] == {"amount": _total(lines(n)), "currency": CURRENCY}
        assert order["user"] == {"id": str(1 + n % 20)}
        assert len(order["items"]) == len(lines(n))
    assert await _counts(fresh_orders) == (
        before[0] + 50,
        before[1] + sum(len(lines(n)) for n in range(50)),
    )
    # What was stored matches what was answered.
    async with fresh_orders.database.session() as session:
        result = await session.execute(
            select(OrderRow.id, OrderRow.total_amount).where(OrderRow.id > before[0])
        )
        stored = {order_id: total for order_id, total in result.all()}
    assert stored == {int(order["id"]): order["total"]["amount"] for order in placed}


@pytest.mark.parametrize(
    ("items", "message", "field"),
    [
        (
            [(1, 1), (999_999_999, 1)],
            "items[1].productUpc: unknown product 000999999999",
            "items[1].productUpc",
        ),
        (
            [(1, 1), (2, 0)],
            f"items[1].quantity must be between 1 and {MAX_QUANTITY}, got 0",
            "items[1].quantity",
        ),
        (
            [(1, MAX_QUANTITY + 1)],
            f"items[0].quantity must be between 1 and {MAX_QUANTITY}, got {MAX_QUANTITY + 1}",
            "items[0].quantity",
        ),
        ([(1, 1), (1, 2)], "items[1] repeats product 000000000001", "items[1].productUpc"),
        ([], "an order needs 1..50 items, got 0", "items"),
    ],
)
async def test_a_failing_item_places_nothing(
    fresh_orders: Harness, items: list[tuple[int, int]], message: str, field: str
) -> None:
    before = await _counts(fresh_orders)
    result = await fresh_orders.execute(PLACE, _input("k-fail", items), user_id=3)
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert message in result.errors[0].message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": field}
    assert await _counts(fresh_orders) == before
    # Nothing was recorded under the key: the corrected request goes through.
    fixed = _data(await fresh_orders.execute(PLACE, _input("k-fail", [(1, 1)]), user_id=3))
    assert fixed["placeOrder"]["total"]["amount"] == product_price(1)
    assert await _counts(fresh_orders) == (before[0] + 1, before[1] + 1)


async def test_a_failure_inside_the_transaction_rolls_back_the_order(
    fresh_orders: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order row is already flushed when an item row violates a constraint."""
    real_build_items = placing.build_items

    def broken_build_items(
        order_id: int, lines: list[tuple[placing.Line, int]]
    ) -> list[dict[str, Any]]:
        rows = real_build_items(order_id, lines)
        rows[-1]["quantity"] = 0  # violates ck_order_items_quantity_positive
        return rows

    monkeypatch.setattr(placing, "build_items", broken_build_items)
    before = await _counts(fresh_orders)
    result = await fresh_orders.execute(PLACE, _input("k-atomic", [(1, 1), (2, 1)]), user_id=3)
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert await _counts(fresh_orders) == before
    monkeypatch.undo()
    placed = _data(
        await fresh_orders.execute(PLACE, _input("k-atomic", [(1, 1), (2, 1)]), user_id=3)
    )
    assert placed["placeOrder"]["total"]["amount"] == _total([(1, 1), (2, 1)])


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "idempotencyKey must be 1..100 non-blank characters"), ("k" * 101, "1..100")],
)
async def test_place_order_checks_the_key(orders: Harness, key: str, message: str) -> None:
    before = orders.statements
    result = await orders.execute(PLACE, _input(key, [(1, 1)]), user_id=3)
    assert result.errors is not None
    assert message in result.errors[0].message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "idempotencyKey"}
    assert orders.statements == before


async def test_place_order_needs_a_user(orders: Harness) -> None:
    before = orders.statements
    result = await orders.execute(PLACE, _input("k", [(1, 1)]))
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].message == "placeOrder needs a signed-in user"
    assert result.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert orders.statements == before


async def test_metrics_count_the_statements_of_a_placed_order(
    orders_client: httpx.AsyncClient,
) -> None:
    response = await orders_client.post(
        "/graphql",
        json={"query": PLACE, "variables": _input("metrics", [(1, 2), (2, 1)])},
        headers={USER_ID_HEADER: "8"},
    )
    assert response.status_code == 200
    assert "errors" not in response.json()
    metrics = (await orders_client.get("/metrics")).text
    assert 'subgraph_sql_statements_total{subgraph="orders"} 5.0' in metrics
