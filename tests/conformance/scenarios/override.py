"""@override: fields moved from one subgraph to another (the old one still has them)."""

from __future__ import annotations

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@override", "@external", "@requires"])\n'

ITEMS = [
    {"id": "i1", "title": "Mug", "price": 5, "discount": 1},
    {"id": "i2", "title": "Plate", "price": 8, "discount": 0},
]

legacy = Subgraph(
    name="legacy",
    sdl=LINK
    + """
type Item @key(fields: "id") {
  id: ID!
  title: String!
  price: Int!
  discount: Int!
  currency: String!
}
type Query {
  items: [Item!]!
  banner: String!
}
""",
    resolvers={
        "Query": {"items": lambda _o, _i: ITEMS, "banner": lambda _o, _i: "old banner"},
        "Item": {
            # Old values: a gateway that reads these fields here is wrong.
            "price": lambda _o, _i: -1,
            "currency": lambda _o, _i: "OLD",
        },
    },
    references={"Item": by_key(ITEMS, "id")},
)

pricing = Subgraph(
    name="pricing",
    sdl=LINK
    + """
type Item @key(fields: "id") {
  id: ID!
  price: Int! @override(from: "legacy")
  currency: String! @override(from: "legacy")
  discount: Int! @external
  finalPrice: Int! @requires(fields: "discount")
}
type Query {
  banner: String! @override(from: "legacy")
}
""",
    resolvers={
        "Query": {"banner": lambda _o, _i: "new banner"},
        "Item": {
            "price": lambda obj, _i: next(i["price"] for i in ITEMS if i["id"] == obj["id"]),
            "currency": lambda _o, _i: "EUR",
            "finalPrice": lambda obj, _i: (
                next(i["price"] for i in ITEMS if i["id"] == obj["id"]) - obj["discount"]
            ),
        },
    },
)

SCENARIO = Scenario(
    name="override",
    description="@override of entity fields and of a root field; the overridden subgraph answers wrong values on purpose",
    subgraphs=(legacy, pricing),
    operations=(
        Operation(
            name="overridden-entity-fields",
            query="{ items { title price currency } }",
            data={
                "items": [
                    {"title": "Mug", "price": 5, "currency": "EUR"},
                    {"title": "Plate", "price": 8, "currency": "EUR"},
                ]
            },
            requests={"legacy": 1, "pricing": 1},
        ),
        Operation(
            name="overridden-root-field",
            query="{ banner }",
            data={"banner": "new banner"},
            requests={"legacy": 0, "pricing": 1},
        ),
        Operation(
            name="override-with-requires",
            query="{ items { id finalPrice } banner }",
            data={
                "items": [{"id": "i1", "finalPrice": 4}, {"id": "i2", "finalPrice": 8}],
                "banner": "new banner",
            },
        ),
    ),
)
