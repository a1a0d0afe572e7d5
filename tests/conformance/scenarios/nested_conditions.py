"""Type conditions nested through an interface back to an object type, where the
subgraphs disagree on which object types implement the interface (Oven implements
Node only in kitchen): `toasters { ... on Node { ... on Toaster { id } } }` selects
`id` of every Toaster."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'

PRODUCTS: list[dict[str, Any]] = [
    {"__typename": "Oven", "id": "o1", "warranty": 1},
    {"__typename": "Toaster", "id": "t1", "warranty": 3},
    {"__typename": "Toaster", "id": "t2", "warranty": 4},
]

shop = Subgraph(
    name="shop",
    sdl=LINK
    + """
type Query {
  products: [Product]
  toasters: [Toaster]
}
union Product = Oven | Toaster
interface Node {
  id: ID!
}
interface WithWarranty {
  warranty: Int
}
type Oven @key(fields: "id") {
  id: ID!
}
type Toaster implements Node & WithWarranty @key(fields: "id") {
  id: ID!
  warranty: Int
}
""",
    resolvers={
        "Query": {
            "products": lambda _o, _i: PRODUCTS,
            "toasters": lambda _o, _i: [p for p in PRODUCTS if p["__typename"] == "Toaster"],
        }
    },
    references={"Toaster": by_key(PRODUCTS, "id")},
)

kitchen = Subgraph(
    name="kitchen",
    sdl=LINK
    + """
interface Node {
  id: ID!
}
interface WithWarranty {
  warranty: Int
}
type Oven implements Node & WithWarranty @key(fields: "id") {
  id: ID!
  warranty: Int
}
""",
    references={"Oven": by_key(PRODUCTS, "id")},
)

SCENARIO = Scenario(
    name="nested_conditions",
    description=(
        "an object type's field selected under a condition on an interface, with a condition "
        "on the object type inside; the interface's implementations differ per subgraph"
    ),
    subgraphs=(shop, kitchen),
    operations=(
        Operation(
            name="object-type-inside-an-interface-condition",
            query="{ toasters { ... on Node { ... on Toaster { id } } } }",
            data={"toasters": [{"id": "t1"}, {"id": "t2"}]},
            apollo=(
                "Apollo Gateway 2.14 leaves out `... on Toaster` inside `... on Node` on a "
                "Toaster: no keys, no error"
            ),
            apollo_data={"toasters": [{}, {}]},
        ),
        Operation(
            name="object-type-inside-a-named-fragment-on-an-interface",
            query=(
                "{ toasters { ...W } } fragment W on WithWarranty { ...T } "
                "fragment T on Toaster { warranty }"
            ),
            data={"toasters": [{"warranty": 3}, {"warranty": 4}]},
            apollo="Apollo Gateway 2.14 leaves out the inner fragment on Toaster: no keys, no error",
            apollo_data={"toasters": [{}, {}]},
        ),
        Operation(
            name="object-type-inside-an-interface-condition-and-outside",
            query="{ toasters { ... on Node { ... on Toaster { warranty } } id warranty } }",
            data={"toasters": [{"warranty": 3, "id": "t1"}, {"warranty": 4, "id": "t2"}]},
            apollo=(
                "Apollo Gateway 2.14 leaves out `... on Toaster` inside `... on Node` on a "
                "Toaster, so `warranty` comes where it is selected again, after `id`: the "
                "spec collects it first"
            ),
            apollo_data={"toasters": [{"id": "t1", "warranty": 3}, {"id": "t2", "warranty": 4}]},
        ),
        Operation(
            name="interface-condition-alone",
            query="{ toasters { ... on Node { id } } }",
            data={"toasters": [{"id": "t1"}, {"id": "t2"}]},
        ),
    ),
    # The fuzzer meets Apollo's bug wherever it nests such conditions (test_fuzz.py).
    generated=0,
)
