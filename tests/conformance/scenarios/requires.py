"""@requires: simple, nested selections, fragments on abstract types, chains across three subgraphs."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires"])\n'

PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "1",
        "name": "Kettle",
        "weight": 1.5,
        "dimensions": {"size": 20, "unit": "cm"},
        "media": {"__typename": "Manual", "pages": 12},
    },
    {
        "id": "2",
        "name": "Sofa",
        "weight": 40.0,
        "dimensions": {"size": 2, "unit": "m"},
        "media": {"__typename": "Video", "minutes": 7},
    },
    {
        "id": "3",
        "name": "Pen",
        "weight": 0.01,
        "dimensions": {"size": 14, "unit": "cm"},
        "media": None,
    },
]

products = Subgraph(
    name="products",
    sdl=LINK
    + """
type Product @key(fields: "id") {
  id: ID!
  name: String!
  weight: Float!
  dimensions: Dimensions!
  media: Media
}
type Dimensions @shareable {
  size: Int!
  unit: String!
}
union Media = Manual | Video
type Manual @shareable {
  pages: Int!
}
type Video @shareable {
  minutes: Int!
}
type Query {
  products: [Product!]!
}
""",
    resolvers={"Query": {"products": lambda _o, _i: PRODUCTS}},
    references={"Product": by_key(PRODUCTS, "id")},
)


def _estimate(obj: dict[str, Any]) -> float:
    return round(obj["weight"] * 2 + 1, 2)


def _packaging(obj: dict[str, Any]) -> str:
    dims = obj["dimensions"]
    return "crate" if dims["unit"] == "m" else f"box-{dims['size']}"


def _handbook(obj: dict[str, Any]) -> str:
    media = obj["media"]
    if media is None:
        return "none"
    if "pages" in media:
        return f"{media['pages']} pages"
    return f"{media['minutes']} min"


inventory = Subgraph(
    name="inventory",
    sdl=LINK
    + """
type Product @key(fields: "id") {
  id: ID!
  weight: Float! @external
  dimensions: Dimensions! @external
  media: Media @external
  shippingEstimate: Float! @requires(fields: "weight")
  packaging: String! @requires(fields: "dimensions { size unit }")
  handbook: String! @requires(fields: "media { ... on Manual { pages } ... on Video { minutes } }")
  inStock: Boolean!
}
type Dimensions @shareable {
  size: Int!
  unit: String!
}
union Media = Manual | Video
type Manual @shareable {
  pages: Int!
}
type Video @shareable {
  minutes: Int!
}
""",
    resolvers={
        "Product": {
            "shippingEstimate": lambda obj, _i: _estimate(obj),
            "packaging": lambda obj, _i: _packaging(obj),
            "handbook": lambda obj, _i: _handbook(obj),
            "inStock": lambda obj, _i: obj["id"] != "2",
        }
    },
)

shipping = Subgraph(
    name="shipping",
    sdl=LINK
    + """
type Product @key(fields: "id") {
  id: ID!
  shippingEstimate: Float! @external
  name: String! @external
  shippingLabel: String! @requires(fields: "shippingEstimate name")
}
""",
    resolvers={
        "Product": {
            "shippingLabel": lambda obj, _i: f"{obj['name']}: {obj['shippingEstimate']:.2f}"
        }
    },
)

# The correct data of the generated operations Apollo answers wrongly, worked out
# from the data above (each checked by hand where it differs from Apollo's).
APOLLO_WRONG_GENERATED_DATA: dict[int, Any] = {
    9: {
        "products": [
            {"a1": True, "__typename": "Product", "a3": True, "handbook": "12 pages"},
            {"a1": False, "__typename": "Product", "a3": False, "handbook": "7 min"},
            {"a1": True, "__typename": "Product", "a3": True, "handbook": "none"},
        ]
    },
}

SCENARIO = Scenario(
    name="requires",
    description="@requires of a scalar, of a nested selection, of fragments on a union, and a chain products -> inventory -> shipping",
    subgraphs=(products, inventory, shipping),
    apollo_wrong_generated={
        9: "@include(if: $false) on a @requires field drops the whole fetch: see include-false-on-requires-field",
    },
    apollo_wrong_generated_data=APOLLO_WRONG_GENERATED_DATA,
    operations=(
        Operation(
            name="requires-scalar",
            query="{ products { name shippingEstimate } }",
            data={
                "products": [
                    {"name": "Kettle", "shippingEstimate": 4.0},
                    {"name": "Sofa", "shippingEstimate": 81.0},
                    {"name": "Pen", "shippingEstimate": 1.02},
                ]
            },
            requests={"products": 1, "inventory": 1, "shipping": 0},
        ),
        Operation(
            name="requires-nested",
            query="{ products { id packaging } }",
            data={
                "products": [
                    {"id": "1", "packaging": "box-20"},
                    {"id": "2", "packaging": "crate"},
                    {"id": "3", "packaging": "box-14"},
                ]
            },
        ),
        Operation(
            name="requires-fragments",
            query="{ products { handbook } }",
            data={
                "products": [
                    {"handbook": "12 pages"},
                    {"handbook": "7 min"},
                    {"handbook": "none"},
                ]
            },
        ),
        Operation(
            name="requires-from-third-subgraph",
            query="{ products { shippingLabel } }",
            data={
                "products": [
                    {"shippingLabel": "Kettle: 4.00"},
                    {"shippingLabel": "Sofa: 81.00"},
                    {"shippingLabel": "Pen: 1.02"},
                ]
            },
            requests={"products": 1, "inventory": 1, "shipping": 1},
        ),
        Operation(
            name="requires-all-together",
            query="""
            query All {
              products {
                id
                label: shippingLabel
                packaging
                inStock
                weight
                ... on Product { handbook shippingEstimate }
              }
            }
            """,
            data={
                "products": [
                    {
                        "id": "1",
                        "label": "Kettle: 4.00",
                        "packaging": "box-20",
                        "inStock": True,
                        "weight": 1.5,
                        "handbook": "12 pages",
                        "shippingEstimate": 4.0,
                    },
                    {
                        "id": "2",
                        "label": "Sofa: 81.00",
                        "packaging": "crate",
                        "inStock": False,
                        "weight": 40.0,
                        "handbook": "7 min",
                        "shippingEstimate": 81.0,
                    },
                    {
                        "id": "3",
                        "label": "Pen: 1.02",
                        "packaging": "box-14",
                        "inStock": True,
                        "weight": 0.01,
                        "handbook": "none",
                        "shippingEstimate": 1.02,
                    },
                ]
            },
        ),
        Operation(
            name="include-false-on-requires-field",
            query="query Q($v: Boolean!) { products { inStock shippingEstimate @include(if: $v) } }",
            variables={"v": False},
            data={"products": [{"inStock": True}, {"inStock": False}, {"inStock": True}]},
            requests={"products": 1, "inventory": 1},
            apollo=(
                "Apollo Gateway 2.14 puts inStock in the same inventory fetch as the "
                "conditional shippingEstimate and skips that whole fetch when $v is false: "
                "data is null, with valueCompletion errors only in extensions"
            ),
            apollo_data=None,
        ),
    ),
)
