"""Entity keys: multiple keys, composite keys, nested keys, non-resolvable keys."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

PRODUCTS = [
    {"id": "p1", "sku": "SKU-1", "name": "Table"},
    {"id": "p2", "sku": "SKU-2", "name": "Chair"},
    {"id": "p3", "sku": "SKU-3", "name": "Lamp"},
]
PRICES = {"SKU-1": 120, "SKU-2": 45, "SKU-3": 30}
WAREHOUSES = [
    {"region": "eu", "code": "W1", "city": "Lyon"},
    {"region": "us", "code": "W1", "city": "Austin"},
]
STOCK = {
    "p1": [
        {"region": "eu", "code": "W1", "quantity": 3},
        {"region": "us", "code": "W1", "quantity": 0},
    ],
    "p2": [{"region": "us", "code": "W1", "quantity": 12}],
    "p3": [],
}
AISLES = {("eu", "W1", 1): "A", ("us", "W1", 2): "B"}


def _warehouse_ref(row: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Warehouse", "region": row["region"], "code": row["code"]}


catalog = Subgraph(
    name="catalog",
    sdl=FED2
    + """
type Product @key(fields: "id") @key(fields: "sku") {
  id: ID!
  sku: String!
  name: String!
}
type Query {
  products: [Product!]!
  product(id: ID!): Product
}
""",
    resolvers={
        "Query": {
            "products": lambda _o, _i: PRODUCTS,
            "product": lambda _o, _i, id: next((p for p in PRODUCTS if p["id"] == id), None),
        }
    },
    references={
        "Product": lambda rep: next(
            (p for p in PRODUCTS if p["id"] == rep.get("id") or p["sku"] == rep.get("sku")), None
        )
    },
)

pricing = Subgraph(
    name="pricing",
    sdl=FED2
    + """
type Product @key(fields: "sku") {
  sku: String!
  price: Int!
}
type Query {
  cheapest(limit: Int! = 2): [Product!]!
}
""",
    resolvers={
        "Query": {
            "cheapest": lambda _o, _i, limit: [
                {"sku": sku} for sku, _ in sorted(PRICES.items(), key=lambda kv: kv[1])[:limit]
            ]
        },
        "Product": {"price": lambda obj, _i: PRICES[obj["sku"]]},
    },
)

stock = Subgraph(
    name="stock",
    sdl=FED2
    + """
type Product @key(fields: "id") {
  id: ID!
  stock: [StockEntry!]!
  shelf: Shelf
}
type StockEntry {
  warehouse: Warehouse!
  quantity: Int!
}
type Warehouse @key(fields: "region code") {
  region: String!
  code: String!
  capacity: Int!
}
type Shelf @key(fields: "warehouse { region code } position") {
  warehouse: Warehouse!
  position: Int!
}
""",
    resolvers={
        "Product": {
            "stock": lambda obj, _i: [
                {"warehouse": _warehouse_ref(row), "quantity": row["quantity"]}
                for row in STOCK[obj["id"]]
            ],
            "shelf": lambda obj, _i: (
                {"warehouse": _warehouse_ref({"region": "eu", "code": "W1"}), "position": 1}
                if obj["id"] == "p1"
                else {"warehouse": _warehouse_ref({"region": "us", "code": "W1"}), "position": 2}
                if obj["id"] == "p2"
                else None
            ),
        },
        "Warehouse": {"capacity": lambda obj, _i: 100 if obj["region"] == "eu" else 250},
    },
)

locations = Subgraph(
    name="locations",
    sdl=FED2
    + """
type Warehouse @key(fields: "region code") {
  region: String!
  code: String!
  city: String!
}
type Shelf @key(fields: "warehouse { region code } position") {
  warehouse: Warehouse!
  position: Int!
  aisle: String!
}
""",
    references={
        "Warehouse": by_key(WAREHOUSES, "region", "code"),
        "Shelf": lambda rep: {
            "__typename": "Shelf",
            "warehouse": {"__typename": "Warehouse", **rep["warehouse"]},
            "position": rep["position"],
            "aisle": AISLES[
                (rep["warehouse"]["region"], rep["warehouse"]["code"], rep["position"])
            ],
        },
    },
    resolvers={
        "Warehouse": {
            "city": lambda obj, _i: next(
                w["city"]
                for w in WAREHOUSES
                if (w["region"], w["code"]) == (obj["region"], obj["code"])
            )
        }
    },
)

reviews = Subgraph(
    name="reviews",
    sdl=FED2
    + """
type Product @key(fields: "id", resolvable: false) {
  id: ID!
}
type Review {
  body: String!
  product: Product!
}
type Query {
  reviews: [Review!]!
}
""",
    resolvers={
        "Query": {
            "reviews": lambda _o, _i: [
                {"body": "Sturdy", "product": {"id": "p1"}},
                {"body": "Wobbly", "product": {"id": "p2"}},
                {"body": "Bright", "product": {"id": "p3"}},
                {"body": "Still sturdy", "product": {"id": "p1"}},
            ]
        }
    },
)

SCENARIO = Scenario(
    name="keys",
    description="multiple keys (id, sku), composite (region code), nested (warehouse { region code } position), non-resolvable (reviews)",
    subgraphs=(catalog, pricing, stock, locations, reviews),
    generator_samples={
        "Query.product": ({"id": "p1"}, {"id": "p2"}, {"id": "p404"}),
        "Query.cheapest": ({"limit": 1}, {"limit": 3}),
    },
    operations=(
        Operation(
            name="jump-through-second-key",
            query="{ cheapest { sku price name id } }",
            data={
                "cheapest": [
                    {"sku": "SKU-3", "price": 30, "name": "Lamp", "id": "p3"},
                    {"sku": "SKU-2", "price": 45, "name": "Chair", "id": "p2"},
                ]
            },
            requests={"pricing": 1, "catalog": 1, "stock": 0},
        ),
        Operation(
            name="first-key-to-second-key",
            query="{ products { name price } }",
            data={
                "products": [
                    {"name": "Table", "price": 120},
                    {"name": "Chair", "price": 45},
                    {"name": "Lamp", "price": 30},
                ]
            },
            requests={"catalog": 1, "pricing": 1},
        ),
        Operation(
            name="composite-key",
            query='{ product(id: "p1") { name stock { quantity warehouse { region code city capacity } } } }',
            data={
                "product": {
                    "name": "Table",
                    "stock": [
                        {
                            "quantity": 3,
                            "warehouse": {
                                "region": "eu",
                                "code": "W1",
                                "city": "Lyon",
                                "capacity": 100,
                            },
                        },
                        {
                            "quantity": 0,
                            "warehouse": {
                                "region": "us",
                                "code": "W1",
                                "city": "Austin",
                                "capacity": 250,
                            },
                        },
                    ],
                }
            },
            requests={"catalog": 1, "stock": 1, "locations": 1},
        ),
        Operation(
            name="nested-key",
            query="{ products { id shelf { position aisle warehouse { city } } } }",
            data={
                "products": [
                    {
                        "id": "p1",
                        "shelf": {"position": 1, "aisle": "A", "warehouse": {"city": "Lyon"}},
                    },
                    {
                        "id": "p2",
                        "shelf": {"position": 2, "aisle": "B", "warehouse": {"city": "Austin"}},
                    },
                    {"id": "p3", "shelf": None},
                ]
            },
        ),
        Operation(
            name="non-resolvable-key",
            query="{ reviews { body product { id name price } } }",
            data={
                "reviews": [
                    {"body": "Sturdy", "product": {"id": "p1", "name": "Table", "price": 120}},
                    {"body": "Wobbly", "product": {"id": "p2", "name": "Chair", "price": 45}},
                    {"body": "Bright", "product": {"id": "p3", "name": "Lamp", "price": 30}},
                    {
                        "body": "Still sturdy",
                        "product": {"id": "p1", "name": "Table", "price": 120},
                    },
                ]
            },
            requests={"reviews": 1, "catalog": 1, "pricing": 1},
        ),
        Operation(
            name="non-resolvable-key-only-id",
            query="{ reviews { product { id } } }",
            data={
                "reviews": [
                    {"product": {"id": "p1"}},
                    {"product": {"id": "p2"}},
                    {"product": {"id": "p3"}},
                    {"product": {"id": "p1"}},
                ]
            },
            requests={"reviews": 1, "catalog": 0},
        ),
        Operation(
            name="variables-and-typename",
            query="query Q($id: ID!) { __typename product(id: $id) { __typename sku stock { quantity } } }",
            variables={"id": "p2"},
            data={
                "__typename": "Query",
                "product": {"__typename": "Product", "sku": "SKU-2", "stock": [{"quantity": 12}]},
            },
        ),
        Operation(
            name="all-subfields-skipped-by-variable",
            query=(
                "query Q($v: Boolean!) "
                '{ product(id: "p1") { stock @include(if: $v) { quantity @skip(if: $v) } } }'
            ),
            variables={"v": True},
            data={"product": {"stock": [{}, {}]}},
            apollo=(
                "Apollo Gateway leaves stock, whose only sub-field the variable skips, out of "
                "the fetch and nulls the product (Cannot return null for non-nullable field "
                "Product.stock, in extensions.valueCompletion only)"
            ),
            apollo_data={"product": None},
        ),
        # Request errors: compared by code, never by message; HTTP status not
        # checked (Apollo answers 400, GraphQL over HTTP also allows 200).
        Operation(
            name="parse-error",
            query="{ products { name ",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_PARSE_FAILED"),),
            status=None,
            requests={"catalog": 0},
        ),
        Operation(
            name="parse-error-empty-selection",
            query="{ }",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_PARSE_FAILED"),),
            status=None,
        ),
        Operation(
            name="validation-error-unknown-field",
            query="{ products { nope } }",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"),),
            status=None,
            requests={"catalog": 0},
        ),
        Operation(
            name="bad-variable-value",
            query="query Q($id: ID!) { product(id: $id) { id } }",
            variables={"id": {"a": 1}},
            data=None,
            errors=(ExpectedError(None, "BAD_USER_INPUT"),),
            status=None,
        ),
        Operation(
            name="missing-required-variable",
            query="query Q($id: ID!) { product(id: $id) { id } }",
            variables={},
            data=None,
            errors=(ExpectedError(None, "BAD_USER_INPUT"),),
            status=None,
        ),
        Operation(
            name="several-operations-without-name",
            query="query A { __typename } query B { __typename }",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"),),
            status=None,
            apollo="Apollo Gateway answers HTTP 500 with code INVALID_GRAPHQL: a client error, not a server error",
            apollo_errors=(ExpectedError(None),),
        ),
        Operation(
            name="unknown-operation-name",
            query="query A { __typename }",
            operation_name="C",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"),),
            status=None,
            apollo="Apollo Gateway answers HTTP 500 with code INVALID_GRAPHQL: a client error, not a server error",
            apollo_errors=(ExpectedError(None),),
        ),
    ),
)
