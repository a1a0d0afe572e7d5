"""A union whose members differ between the subgraphs that can serve it (a partial union).

`Shelf` is an entity in catalog and archive; both serve the @shareable
`Shelf.display { items }`, but `items` is `Note | Photo` in catalog and
`Note | Scan` in archive. A type condition is planned only when every subgraph
that could answer the position can return that member, so a Photo reached
through `display` keeps its `__typename` and its fragment's fields are null.
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

NOTE = {"__typename": "Note", "text": "hello"}
PHOTO = {"__typename": "Photo", "url": "p.png"}
SCAN = {"__typename": "Scan", "dpi": 300}


def _catalog_shelf(id: str) -> dict[str, Any] | None:
    return {"id": id, "display": {"items": [NOTE, PHOTO]}} if id == "s1" else None


def _archive_shelf(id: str) -> dict[str, Any] | None:
    if id != "s1":
        return None
    return {"id": id, "display": {"items": [NOTE, SCAN]}, "vault": {"items": [NOTE, SCAN]}}


catalog = Subgraph(
    name="catalog",
    sdl=LINK
    + """
type Query {
  featured: Shelf
  everywhere: Shelf @shareable
  loose: Display
}
type Shelf @key(fields: "id") {
  id: ID!
  display: Display @shareable
}
type Display @shareable {
  items: [Item!]! @shareable
}
union Item = Note | Photo
type Note @shareable {
  text: String
}
type Photo {
  url: String
}
""",
    resolvers={
        "Query": {
            "featured": lambda _o, _i: _catalog_shelf("s1"),
            "everywhere": lambda _o, _i: {"id": "s1", "display": {"items": [NOTE]}},
            "loose": lambda _o, _i: {"items": [NOTE, PHOTO]},
        }
    },
    references={"Shelf": lambda rep: _catalog_shelf(rep["id"])},
)

archive = Subgraph(
    name="archive",
    sdl=LINK
    + """
type Query {
  archived: Shelf
  everywhere: Shelf @shareable
}
type Shelf @key(fields: "id") {
  id: ID!
  display: Display @shareable
  vault: Display
}
type Display @shareable {
  items: [Item!]! @shareable
}
union Item = Note | Scan
type Note @shareable {
  text: String
}
type Scan {
  dpi: Int
}
""",
    resolvers={
        "Query": {
            "archived": lambda _o, _i: _archive_shelf("s1"),
            "everywhere": lambda _o, _i: {"id": "s1", "display": {"items": [NOTE]}},
        }
    },
    references={"Shelf": lambda rep: _archive_shelf(rep["id"])},
)

ITEMS = "items { __typename ... on Note { text } ... on Photo { url } ... on Scan { dpi } }"

SCENARIO = Scenario(
    name="partial_unions",
    description="union members differing between the subgraphs able to serve a @shareable field",
    subgraphs=(catalog, archive),
    operations=(
        Operation(
            name="member-another-candidate-lacks-is-not-planned",
            query=f"{{ featured {{ display {{ {ITEMS} }} }} }}",
            data={"featured": {"display": {"items": [NOTE, {"__typename": "Photo", "url": None}]}}},
            requests={"catalog": 1, "archive": 0},
        ),
        Operation(
            name="field-of-one-subgraph-uses-its-members",
            query=f"{{ featured {{ vault {{ {ITEMS} }} }} }}",
            data={"featured": {"vault": {"items": [NOTE, SCAN]}}},
            requests={"catalog": 1, "archive": 1},
        ),
        Operation(
            name="member-of-the-only-candidate-is-planned",
            query="{ loose { items { __typename ... on Photo { url } ... on Scan { dpi } } } }",
            data={"loose": {"items": [{"__typename": "Note"}, PHOTO]}},
            requests={"catalog": 1, "archive": 0},
        ),
        Operation(
            name="archived-shelf-through-catalog-keeps-common-members",
            query=f"{{ archived {{ display {{ {ITEMS} }} }} }}",
            data={"archived": {"display": {"items": [NOTE, {"__typename": "Scan", "dpi": None}]}}},
            requests={"catalog": 0, "archive": 1},
        ),
    ),
)
