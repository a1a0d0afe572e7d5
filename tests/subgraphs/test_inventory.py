"""The inventory subgraph over SQLite and PostgreSQL: SDL, entities, @requires, batching."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from subgraphs._common.pagination import MAX_PAGE_SIZE
from subgraphs._common.seeding import product_price, product_upc, product_weight
from subgraphs.inventory.schema import (
    FREE_SHIPPING_THRESHOLD,
    SHIPPING_BASE,
    SHIPPING_PER_KILOGRAM,
    shipping_cost,
)
from subgraphs.inventory.seed import WAREHOUSES, stock_rows
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory

WAREHOUSE_NAMES = {warehouse_id: name for warehouse_id, name, _location in WAREHOUSES}


@pytest.fixture
async def inventory(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("inventory")


def _data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


def _stock_by_upc() -> dict[str, list[dict[str, Any]]]:
    """The seeded stock rows per UPC, by warehouse id (what the subgraph must return)."""
    stock: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in stock_rows(TEST_SCALE):
        stock[row["product_upc"]].append(row)
    return {upc: sorted(rows, key=lambda row: row["warehouse_id"]) for upc, rows in stock.items()}


def _representation(product_id: int) -> dict[str, Any]:
    """What the router sends for `shippingEstimate`: the key plus the required fields."""
    return {
        "__typename": "Product",
        "upc": product_upc(product_id),
        "price": {"amount": product_price(product_id)},
        "weight": product_weight(product_id),
    }


def test_seeded_stock_has_variety() -> None:
    stock = _stock_by_upc()
    quantities = [sum(r["quantity"] for r in stock.get(product_upc(i), [])) for i in range(1, 251)]
    assert any(q == 0 for q in quantities) and any(q > 0 for q in quantities)
    assert any(product_upc(i) not in stock for i in range(1, TEST_SCALE.products + 1))
    assert stock_rows(TEST_SCALE) == stock_rows(TEST_SCALE)


def test_shipping_rule() -> None:
    assert shipping_cost(FREE_SHIPPING_THRESHOLD, 20_000) == 0
    assert shipping_cost(FREE_SHIPPING_THRESHOLD - 1, 0) == SHIPPING_BASE
    assert shipping_cost(100, 1) == SHIPPING_BASE + SHIPPING_PER_KILOGRAM
    assert shipping_cost(100, 1_000) == SHIPPING_BASE + SHIPPING_PER_KILOGRAM
    assert shipping_cost(100, 1_001) == SHIPPING_BASE + 2 * SHIPPING_PER_KILOGRAM
    assert shipping_cost(FREE_SHIPPING_THRESHOLD - 1, 20_049) == SHIPPING_BASE + 21 * 99
    seeded = [shipping_cost(product_price(i), product_weight(i)) for i in range(1, 251)]
    assert 0.3 < seeded.count(0) / len(seeded) < 0.7  # both outcomes in the catalogue


async def test_sdl_extends_product_with_external_and_requires(inventory: Harness) -> None:
    sdl = _data(await inventory.execute("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@external", "@key", "@requires", "@shareable", "@tag"])'
    )
    product = sdl.split('type Product @key(fields: "upc") {\n')[1].split("\n}")[0] + "\n"
    for field in (
        "upc: String!",
        "price: Money! @external",
        "weight: Int! @external",
        "quantity: Int!",
        'inStock: Boolean! @tag(name: "partner")',
        "stock: [WarehouseStock!]!",
        'shippingEstimate: Int @requires(fields: "price { amount } weight")',
    ):
        assert f"  {field}\n" in product
    assert "  name:" not in product  # owned by products, not part of inventory's stub
    assert 'type Money @shareable @tag(name: "partner") {' in sdl
    assert 'type Warehouse @key(fields: "id") {' in sdl
    assert "  stock(first: Int = 20): [WarehouseStock!]!\n" in sdl
    assert "type WarehouseStock {" in sdl
    assert "union _Entity = Product | Warehouse" in sdl


PRODUCT_SELECTION = (
    "... on Product { upc inStock quantity shippingEstimate "
    "stock { quantity warehouse { id name } } }"
)


async def test_entities_compute_stock_and_shipping_from_the_representation(
    inventory: Harness,
) -> None:
    stock = _stock_by_upc()
    ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    result = await inventory.entities([_representation(i) for i in ids], PRODUCT_SELECTION)
    for product_id, entity in zip(ids, _data(result)["_entities"], strict=True):
        rows = stock.get(product_upc(product_id), [])
        quantity = sum(row["quantity"] for row in rows)
        assert entity == {
            "__typename": "Product",
            "upc": product_upc(product_id),
            "inStock": quantity > 0,
            "quantity": quantity,
            "shippingEstimate": shipping_cost(
                product_price(product_id), product_weight(product_id)
            ),
            "stock": [
                {
                    "quantity": row["quantity"],
                    "warehouse": {
                        "id": str(row["warehouse_id"]),
                        "name": WAREHOUSE_NAMES[row["warehouse_id"]],
                    },
                }
                for row in rows
            ],
        }


async def test_shipping_estimate_uses_the_representation_values_only(inventory: Harness) -> None:
    base = {"__typename": "Product", "upc": product_upc(1)}
    result = await inventory.entities(
        [
            {**base, "price": {"amount": FREE_SHIPPING_THRESHOLD}, "weight": 50_000},
            {**base, "price": {"amount": 100, "currency": "USD"}, "weight": 2_500},
            {**base, "price": {"amount": 100}, "weight": "2500"},
        ],
        "... on Product { shippingEstimate }",
    )
    assert [e["shippingEstimate"] for e in _data(result)["_entities"]] == [
        0,
        SHIPPING_BASE + 3 * SHIPPING_PER_KILOGRAM,
        SHIPPING_BASE + 3 * SHIPPING_PER_KILOGRAM,
    ]


async def test_shipping_estimate_without_required_fields_is_a_field_error(
    inventory: Harness,
) -> None:
    result = await inventory.entities(
        [{"__typename": "Product", "upc": product_upc(1)}, _representation(2)],
        "... on Product { quantity shippingEstimate }",
    )
    assert result.data is not None
    first, second = result.data["_entities"]
    assert first["shippingEstimate"] is None and isinstance(first["quantity"], int)
    assert second["shippingEstimate"] is not None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].path == ["_entities", 0, "shippingEstimate"]
    assert "needs the product's `price { amount }` and `weight`" in result.errors[0].message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_a_product_without_stock_rows_is_out_of_stock(inventory: Harness) -> None:
    unknown = {"__typename": "Product", "upc": product_upc(TEST_SCALE.products + 1)}
    result = await inventory.entities(
        [unknown], "... on Product { inStock quantity stock { quantity } }"
    )
    assert _data(result)["_entities"] == [
        {"__typename": "Product", "inStock": False, "quantity": 0, "stock": []}
    ]


@pytest.mark.parametrize("size", [10, 500])
async def test_product_entities_are_three_statements_whatever_the_batch_size(
    inventory: Harness, size: int
) -> None:
    # Products beyond TEST_SCALE.products have no stock rows: still one key each.
    representations = [_representation(i) for i in range(1, size + 1)]
    before = inventory.statements
    result = await inventory.entities(
        representations,
        "... on Product { inStock quantity shippingEstimate "
        "stock { quantity warehouse { name } } }",
    )
    # quantity per product (GROUP BY, shared by inStock), stock rows, warehouses by id
    assert inventory.statements - before == 3
    entities = _data(result)["_entities"]
    assert len(entities) == size
    stock = _stock_by_upc()
    for product_id, entity in enumerate(entities, start=1):
        rows = stock.get(product_upc(product_id), [])
        assert entity["quantity"] == sum(row["quantity"] for row in rows)
        assert [s["warehouse"]["name"] for s in entity["stock"]] == [
            WAREHOUSE_NAMES[row["warehouse_id"]] for row in rows
        ]


async def test_entities_resolve_warehouses_by_id(inventory: Harness) -> None:
    result = await inventory.entities(
        [
            {"__typename": "Warehouse", "id": "2"},
            {"__typename": "Warehouse", "id": 99},
            {"__typename": "Warehouse", "id": 4},
        ],
        "... on Warehouse { id name location }",
    )
    east, missing, west = _data(result)["_entities"]
    assert missing is None
    assert east == {"__typename": "Warehouse", "id": "2", "name": "East", "location": "Newark, US"}
    assert west["name"] == "West"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"__typename": "Review", "id": "1"}, "'Review' is not an entity type of this subgraph"),
        ({"upc": product_upc(1)}, "representation has no __typename"),
        ({"__typename": "Product"}, "representation of Product is missing key field 'upc'"),
        (
            {"__typename": "Product", "upc": None},
            "wrong type for key field 'upc': expected a string, got None",
        ),
        ({"__typename": "Product", "upc": {"a": 1}}, "wrong type for key field 'upc'"),
        (
            {"__typename": "Product", "upc": product_upc(1), "weight": "heavy"},
            "wrong type for key field 'weight': expected an integer, got 'heavy'",
        ),
        (
            {"__typename": "Product", "upc": product_upc(1), "price": {"amount": "12"}},
            "wrong value for required field 'price'",
        ),
        (
            {"__typename": "Product", "upc": product_upc(1), "price": 12},
            "wrong value for required field 'price'",
        ),
        ({"__typename": "Warehouse"}, "representation of Warehouse is missing key field 'id'"),
        (
            {"__typename": "Warehouse", "id": "north"},
            "wrong type for key field 'id': expected an integer, got 'north'",
        ),
        ([1], "a representation must be an object"),
    ],
)
async def test_a_bad_representation_fails_only_its_own_entry(
    inventory: Harness, bad: Any, message: str
) -> None:
    good = {"__typename": "Warehouse", "id": "1"}
    result = await inventory.entities([good, bad, good], "... on Warehouse { name }")
    assert result.data == {
        "_entities": [
            {"__typename": "Warehouse", "name": "North"},
            None,
            {"__typename": "Warehouse", "name": "North"},
        ]
    }
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert message in error.message
    assert error.path == ["_entities", 1]
    assert error.extensions == {"code": "BAD_USER_INPUT"}


WAREHOUSES_QUERY = """
query($first: Int) {
  warehouses { id name location stock(first: $first) { quantity product { upc } } }
}
"""


async def test_warehouses_list_their_stock_in_one_statement(inventory: Harness) -> None:
    before = inventory.statements
    warehouses = _data(await inventory.execute(WAREHOUSES_QUERY, {"first": MAX_PAGE_SIZE}))
    assert inventory.statements - before == 2  # warehouses, first N stock rows of each
    expected: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(stock_rows(TEST_SCALE), key=lambda row: row["product_upc"]):
        expected[row["warehouse_id"]].append(
            {"quantity": row["quantity"], "product": {"upc": row["product_upc"]}}
        )
    assert [(w["id"], w["name"], w["location"]) for w in warehouses["warehouses"]] == [
        (str(warehouse_id), name, location) for warehouse_id, name, location in WAREHOUSES
    ]
    for warehouse in warehouses["warehouses"]:
        assert warehouse["stock"] == expected[int(warehouse["id"])][:MAX_PAGE_SIZE]


async def test_warehouse_by_id_and_stock_limits(inventory: Harness) -> None:
    query = "query($id: ID!, $first: Int) { warehouse(id: $id) { name stock(first: $first) { quantity } } }"
    one = _data(await inventory.execute(query, {"id": "3", "first": 2}))["warehouse"]
    assert one["name"] == "South" and len(one["stock"]) == 2
    default = _data(await inventory.execute(query, {"id": "3"}))["warehouse"]
    assert len(default["stock"]) == 20
    empty = _data(await inventory.execute(query, {"id": "3", "first": 0}))["warehouse"]
    assert empty["stock"] == []
    assert _data(await inventory.execute(query, {"id": "9"})) == {"warehouse": None}
    bad = await inventory.execute(query, {"id": "3", "first": MAX_PAGE_SIZE + 1})
    assert bad.errors is not None
    assert bad.errors[0].extensions is not None
    assert bad.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert bad.errors[0].path == ["warehouse", "stock"]


async def test_warehouse_stock_product_is_a_product_entity_of_inventory(inventory: Harness) -> None:
    query = "{ warehouse(id: 1) { stock(first: 3) { product { upc quantity inStock } } } }"
    before = inventory.statements
    stock = _data(await inventory.execute(query))["warehouse"]["stock"]
    assert inventory.statements - before == 3  # warehouse, its stock, quantities
    totals = {upc: sum(r["quantity"] for r in rows) for upc, rows in _stock_by_upc().items()}
    for entry in stock:
        product = entry["product"]
        assert product["quantity"] == totals[product["upc"]]
        assert product["inStock"] is (totals[product["upc"]] > 0)
