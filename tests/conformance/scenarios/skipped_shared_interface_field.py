"""A shareable root field returning an interface whose `id` is @external on one
implementation in one of the subgraphs; every selection of it skipped."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external"])\n'

DOCS: list[dict[str, Any]] = [{"__typename": "Doc", "id": "d1", "title": "Plan", "pics": ["p1"]}]
PICS: list[dict[str, Any]] = [{"__typename": "Pic", "id": "p1", "url": "/p1.png", "owner": "d1"}]


def _thing(_obj: Any, _info: Any, id: str) -> dict[str, Any] | None:
    return next((t for t in [*DOCS, *PICS] if t["id"] == id), None)


left = Subgraph(
    name="left",
    sdl=LINK
    + """
type Query {
  thing(id: ID!): Thing @shareable
}
interface Thing {
  id: ID!
}
type Doc implements Thing @key(fields: "id") {
  id: ID!
  title: String!
}
type Pic implements Thing @key(fields: "id") {
  id: ID! @external
  owner: Doc!
}
""",
    resolvers={
        "Query": {"thing": _thing},
        "Pic": {"owner": lambda obj, _i: next(d for d in DOCS if d["id"] == obj["owner"])},
    },
    references={"Doc": by_key(DOCS, "id"), "Pic": by_key(PICS, "id")},
)

right = Subgraph(
    name="right",
    sdl=LINK
    + """
type Query {
  thing(id: ID!): Thing @shareable
}
interface Thing {
  id: ID!
}
type Doc implements Thing @key(fields: "id") {
  id: ID! @external
  pics: [Pic!]!
}
type Pic implements Thing @key(fields: "id") {
  id: ID!
  url: String!
}
""",
    resolvers={
        "Query": {"thing": _thing},
        "Doc": {"pics": lambda obj, _i: [p for p in PICS if p["owner"] == obj["id"]]},
    },
    references={"Doc": by_key(DOCS, "id"), "Pic": by_key(PICS, "id")},
)

SCENARIO = Scenario(
    name="skipped_shared_interface_field",
    description="a shareable interface root field; its only field skipped",
    subgraphs=(left, right),
    operations=(
        Operation(
            name="only-field-skipped",
            query='{ thing(id: "d1") { id @skip(if: true) } }',
            data={"thing": {}},
            apollo=(
                "Apollo Gateway's query planner fails ('Was not able to find any options for "
                "id @skip(if: true): This shouldn't have happened.') on a valid operation: "
                "no data at all"
            ),
            apollo_data=None,
            apollo_errors=(ExpectedError(None),),
        ),
    ),
    generated=10,
    # `id` of a Thing: neither subgraph resolves it for every implementation (Pic.id is
    # @external in left, Doc.id in right), so both gateways refuse such operations.
    generator_avoid=frozenset({"Thing.id"}),
)
