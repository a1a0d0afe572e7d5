"""The orders subgraph over SQLite and PostgreSQL: SDL, entities, batching, placeOrder.

placeOrder is checked for idempotency (sequential and concurrent retries), for real
concurrency (50 requests through the ASGI app at once, each its own session and
connection), and for atomicity (a failing item leaves no order and no item behind).

Row-level rules (issue 6): `User.orders` and `Order` only for their owner or scope
`orders:read` (FORBIDDEN for another user, UNAUTHENTICATED when anonymous, at the
field's path with null data), without extra SQL; placeOrder only for a signed-in
caller, always for themself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from strawberry.types import ExecutionResult

from auth import Claims
from subgraphs import registry
from subgraphs._common.context import USER_ID_HEADER, SubgraphContext
from subgraphs._common.seeding import CURRENCY, product_price, product_upc
from subgraphs.orders import placing
from subgraphs.orders.models import OrderItemRow, OrderRow
from subgraphs.orders.placing import MAX_QUANTITY
from subgraphs.orders.schema import ORDERS_SCOPE
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


def as_user(sub: int | str, *scopes: str) -> Claims:
    """A verified identity, as the router forwards it."""
    return Claims(subject=str(sub), scopes=frozenset(scopes))


READER = Claims(subject="999999", scopes=frozenset({ORDERS_SCOPE}))
"""A caller with scope `orders:read` who owns no order: sees everyone's."""


async def _as(
    harness: Harness, claims: Claims | None, query: str, variables: dict[str, Any] | None = None
) -> ExecutionResult:
    """Run `query` with the verified `claims` (None: anonymous) in a fresh context."""
    async with harness.database.session() as session:
        context = SubgraphContext.create(session, claims=claims)
        return await harness.domain.schema.execute(
            query, variable_values=variables, context_value=context
        )


async def _entities_as(
    harness: Harness, claims: Claims | None, representations: list[Any], selection: str
) -> ExecutionResult:
    query = f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ __typename {selection} }} }}"
    return await _as(harness, claims, query, {"r": representations})


async def _order_rows(harness: Harness) -> list[OrderRow]:
    async with harness.database.session() as session:
        return list((await session.scalars(select(OrderRow).order_by(OrderRow.id))).all())


def _refused(result: ExecutionResult, code: str, *paths: list[Any]) -> None:
    """One error per path, each with `code`, in any order."""
    assert result.errors is not None, result.data
    assert sorted((e.path, e.extensions) for e in result.errors) == sorted(
        (path, {"code": code}) for path in paths
    )


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
        'import: ["@authenticated", "@key", "@requiresScopes", "@shareable", "@tag"])'
    )
    assert 'type Order @key(fields: "id") @authenticated {' in sdl
    assert "orderStatusChanged(orderId: ID!): Order! @authenticated" in sdl
    assert 'orderPlaced: Order! @requiresScopes(scopes: [["orders:read"]])' in sdl
    assert 'type User @key(fields: "id") {' in sdl
    assert 'type Product @key(fields: "upc") {' in sdl
    assert 'type Money @shareable @tag(name: "partner") {' in sdl
    for field in (
        "user: User!",
        "items: [OrderItem!]!",
        "total: Money!",
        "status: OrderStatus!",
        "placedAt: DateTime!",
        "product: Product!",
        "quantity: Int!",
        "unitPrice: Money!",
        # Nullable: a refused caller gets null here, not a nulled user.
        "orders(first: Int! = 5): [Order!] @authenticated",
    ):
        assert f"  {field}\n" in sdl
    assert "enum OrderStatus {" in sdl
    assert "order(id: ID!): Order\n" in sdl
    assert "placeOrder(input: PlaceOrderInput!): Order! @authenticated\n" in sdl
    assert "union _Entity = Order | Product | User" in sdl


async def test_order_entities_in_order_with_null_for_missing(orders: Harness) -> None:
    result = await _entities_as(
        orders,
        READER,
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
    result = await _entities_as(
        orders,
        as_user(user_id),  # the owner
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
    result = await _entities_as(
        orders, READER, representations, "... on User { orders { items { product { upc } } } }"
    )
    # One ROW_NUMBER() SELECT for the users' orders, one SELECT for all their items:
    # the ownership checks add none.
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
    result = await _entities_as(orders, READER, [good, bad, good], "... on Order { id }")
    assert result.data == {
        "_entities": [{"__typename": "Order", "id": "3"}, None, {"__typename": "Order", "id": "3"}]
    }
    assert result.errors is not None and len(result.errors) == 1
    assert message in result.errors[0].message
    assert result.errors[0].path == ["_entities", 1]
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_order_query(orders: Harness) -> None:
    found = _data(await _as(orders, READER, '{ order(id: "5") { id items { quantity } } }'))
    assert found["order"]["id"] == "5"
    assert _data(await _as(orders, READER, '{ order(id: "0") { id } }')) == {"order": None}


# -- row-level rules ---------------------------------------------------------------------


async def test_user_orders_for_the_owner_a_reader_and_nobody_else(orders: Harness) -> None:
    rows = await _order_rows(orders)
    owner = rows[0].user_id
    other = next(row.user_id for row in rows if row.user_id != owner)
    mine = sorted(
        (row for row in rows if row.user_id == owner),
        key=lambda row: (row.placed_at, row.id),
        reverse=True,
    )
    query = f'query {{ _entities(representations: [{{__typename: "User", id: "{owner}"}}]) {{'
    query += " ... on User { id orders(first: 100) { id user { id } } } } }"
    expected = [{"id": str(r.id), "user": {"id": str(owner)}} for r in mine]
    for claims in (as_user(owner), READER):
        result = await _as(orders, claims, query)
        assert _data(result) == {"_entities": [{"id": str(owner), "orders": expected}]}
    # Another user (with an unrelated scope): FORBIDDEN at the field; the user itself
    # still resolves (the field is nullable).
    forbidden = await _as(orders, as_user(other, "user:email"), query)
    assert forbidden.data == {"_entities": [{"id": str(owner), "orders": None}]}
    _refused(forbidden, "FORBIDDEN", ["_entities", 0, "orders"])
    anonymous = await _as(orders, None, query)
    assert anonymous.data == {"_entities": [{"id": str(owner), "orders": None}]}
    _refused(anonymous, "UNAUTHENTICATED", ["_entities", 0, "orders"])
    # A signed-in identity without a subject (the router's anonymous identity) too.
    nobody = await _as(orders, Claims(subject=None), query)
    _refused(nobody, "UNAUTHENTICATED", ["_entities", 0, "orders"])


async def test_user_orders_in_a_batch_only_the_callers_own_at_the_same_cost(
    orders: Harness,
) -> None:
    rows = await _order_rows(orders)
    owner = int(rows[0].user_id)
    ids = sorted(set(range(1, 100)) | {owner})
    representations = [{"__typename": "User", "id": str(i)} for i in ids]
    before = orders.statements
    result = await _entities_as(
        orders,
        as_user(owner),
        representations,
        "... on User { id orders { id items { quantity } } }",
    )
    # Still one SELECT for the orders and one for their items (the refused users cost
    # nothing); one FORBIDDEN per other user, at its own path.
    assert orders.statements - before == 2
    assert result.data is not None
    entities = result.data["_entities"]
    owned = {row.id for row in rows if row.user_id == str(owner)}
    for i, entity in zip(ids, entities, strict=True):
        if i == owner:
            assert entity["orders"] and {int(o["id"]) for o in entity["orders"]} <= owned
        else:
            assert entity == {"__typename": "User", "id": str(i), "orders": None}
    _refused(
        result, "FORBIDDEN", *(["_entities", n, "orders"] for n, i in enumerate(ids) if i != owner)
    )


async def test_order_entities_for_the_owner_a_reader_and_nobody_else(orders: Harness) -> None:
    rows = await _order_rows(orders)
    owner = rows[0].user_id
    own = [row for row in rows if row.user_id == owner][:2]
    others = [row for row in rows if row.user_id != owner][:3]
    mixed = [own[0], others[0], others[1], own[-1], others[2]]
    representations = [{"__typename": "Order", "id": str(row.id)} for row in mixed]
    representations.append({"__typename": "Order", "id": "999999"})  # missing: null, no error
    selection = "... on Order { id user { id } total { amount } }"

    def entity(row: OrderRow) -> dict[str, Any]:
        return {
            "__typename": "Order",
            "id": str(row.id),
            "user": {"id": str(row.user_id)},
            "total": {"amount": row.total_amount},
        }

    before = orders.statements
    result = await _entities_as(orders, as_user(owner), representations, selection)
    assert orders.statements - before == 1  # one SELECT for all six, checks included
    assert result.data == {
        "_entities": [
            entity(own[0]),
            None,
            None,
            entity(own[-1]),
            None,
            None,
        ]
    }
    _refused(result, "FORBIDDEN", ["_entities", 1], ["_entities", 2], ["_entities", 4])

    before = orders.statements
    read = _data(await _entities_as(orders, READER, representations, selection))
    assert orders.statements - before == 1
    assert read == {"_entities": [entity(row) for row in mixed] + [None]}

    anonymous = await _entities_as(orders, None, representations, selection)
    assert anonymous.data == {"_entities": [None] * 6}
    _refused(anonymous, "UNAUTHENTICATED", *(["_entities", n] for n in range(5)))


async def test_order_query_for_the_owner_a_reader_and_nobody_else(orders: Harness) -> None:
    row = (await _order_rows(orders))[0]
    query = f'{{ order(id: "{row.id}") {{ id user {{ id }} items {{ quantity }} }} }}'
    own = _data(await _as(orders, as_user(row.user_id), query))
    assert own["order"]["id"] == str(row.id)
    assert own["order"]["user"] == {"id": str(row.user_id)}
    assert _data(await _as(orders, READER, query)) == own
    for claims, code in [(as_user(int(row.user_id) + 1), "FORBIDDEN"), (None, "UNAUTHENTICATED")]:
        result = await _as(orders, claims, query)
        assert result.data == {"order": None}
        _refused(result, code, ["order"])


# -- placeOrder --------------------------------------------------------------------------


async def test_place_order_prices_items_from_the_price_facts(fresh_orders: Harness) -> None:
    lines = [(3, 2), (17, 1), (250, 5)]
    before = await _counts(fresh_orders)
    order = _data(await fresh_orders.execute(PLACE, _input("k-1", lines), user_id=9))["placeOrder"]
    assert int(order["id"]) == TEST_SCALE.orders + 1
    assert order["status"] == "PLACED"
    assert order["user"] == {"id": "9"}  # the caller's own
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
        await fresh_orders.execute(
            f'{{ order(id: "{order["id"]}") {{ {ORDER_FIELDS} }} }}', user_id=9
        )
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
    # Anonymous, and the router's identity of an anonymous caller (no subject) even
    # with a scope: refused before any SQL.
    for claims in (None, Claims(subject=None, scopes=frozenset({ORDERS_SCOPE}))):
        before = orders.statements
        result = await _as(orders, claims, PLACE, _input("k", [(1, 1)]))
        assert result.data is None
        assert result.errors is not None and len(result.errors) == 1
        assert result.errors[0].message == "you must be signed in"
        assert result.errors[0].extensions == {"code": "UNAUTHENTICATED"}
        assert result.errors[0].path == ["placeOrder"]
        assert orders.statements == before


async def test_place_order_is_always_for_the_verified_caller(fresh_orders: Harness) -> None:
    placed = _data(await _as(fresh_orders, as_user(12), PLACE, _input("mine", [(4, 1)])))
    order = placed["placeOrder"]
    assert order["user"] == {"id": "12"}
    async with fresh_orders.database.session() as session:
        stored = await session.get(OrderRow, int(order["id"]))
    assert stored is not None and stored.user_id == "12"
    # There is no way to name another user: the input has no such field.
    variables = _input("theirs", [(4, 1)])
    variables["input"]["userId"] = "13"
    refused = await _as(fresh_orders, as_user(12), PLACE, variables)
    assert refused.data is None and refused.errors is not None
    assert "userId" in refused.errors[0].message
    # The new order is visible to its owner only (and to readers).
    query = f'{{ order(id: "{order["id"]}") {{ id }} }}'
    assert _data(await _as(fresh_orders, as_user(12), query)) == {"order": {"id": order["id"]}}
    _refused(await _as(fresh_orders, as_user(13), query), "FORBIDDEN", ["order"])


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


async def test_the_development_header_names_any_subject_as_a_token_would(
    orders_client: httpx.AsyncClient,
) -> None:
    """Without an identity key, `x-user-id` is the caller's subject: a UUID owns the
    order it places (stored under it) and reads it back; another subject may not."""
    subject = str(uuid.uuid4())
    placed = await orders_client.post(
        "/graphql",
        json={"query": PLACE, "variables": _input("dev-uuid", [(1, 1)])},
        headers={USER_ID_HEADER: subject},
    )
    assert placed.status_code == 200
    order = placed.json()["data"]["placeOrder"]
    assert order["user"] == {"id": subject}
    query = {"query": f'{{ order(id: "{order["id"]}") {{ id user {{ id }} }} }}'}
    own = await orders_client.post("/graphql", json=query, headers={USER_ID_HEADER: subject})
    assert own.json() == {"data": {"order": {"id": order["id"], "user": {"id": subject}}}}
    other = await orders_client.post("/graphql", json=query, headers={USER_ID_HEADER: "7"})
    assert [e["extensions"]["code"] for e in other.json()["errors"]] == ["FORBIDDEN"]
