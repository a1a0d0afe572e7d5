"""Errors of an entity fetch for some of a list's objects: the Magazines of a list that
starts with Books. critic's fields fail for every Magazine; each error belongs to the
Magazine it was for (the subgraph's `_entities.0` is the list's first Magazine, not its
first item)."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])\n'

ITEMS: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "title": "Dune"},
    {"__typename": "Book", "id": "b2", "title": "Emma"},
    {"__typename": "Magazine", "id": "m1", "issue": 7},
    {"__typename": "Magazine", "id": "m2", "issue": 12},
]


def _fails(_obj: Any, _info: Any) -> Any:
    raise SubgraphError("critic has no verdict yet")


catalog = Subgraph(
    name="catalog",
    sdl=LINK
    + """
type Query {
  items: [Item]
}
interface Item {
  id: ID!
}
type Book implements Item @key(fields: "id") {
  id: ID!
  title: String
}
type Magazine implements Item @key(fields: "id") {
  id: ID!
  issue: Int
}
""",
    resolvers={"Query": {"items": lambda _o, _i: ITEMS}},
    references={"Book": by_key(ITEMS, "id"), "Magazine": by_key(ITEMS, "id")},
)

critic = Subgraph(
    name="critic",
    sdl=LINK
    + """
type Magazine @key(fields: "id") {
  id: ID!
  issue: Int @external
  verdict: String @requires(fields: "issue")
  blurb: String
  stars: Int!
}
""",
    resolvers={"Magazine": {"verdict": _fails, "blurb": _fails, "stars": _fails}},
    references={"Magazine": lambda rep: {**by_key(ITEMS, "id")(rep), **rep}},
)

APOLLO = (
    "Apollo Gateway reports critic's errors for `_entities.0` and `_entities.1` (the two "
    "Magazines it sent) at the list's first two items, the Books, which do not select the "
    "field"
)

SCENARIO = Scenario(
    name="entity_error_positions",
    description="errors of an entity fetch for the Magazines of a list that starts with Books",
    subgraphs=(catalog, critic),
    operations=(
        Operation(
            name="failing-requires-field-of-the-later-items",
            query="{ items { ... on Magazine { verdict } } }",
            data={"items": [{}, {}, {"verdict": None}, {"verdict": None}]},
            errors=(
                ExpectedError(("items", 2, "verdict")),
                ExpectedError(("items", 3, "verdict")),
            ),
            apollo=APOLLO,
            apollo_data={"items": [{}, {}, {"verdict": None}, {"verdict": None}]},
            apollo_errors=(
                ExpectedError(("items", 0, "verdict")),
                ExpectedError(("items", 1, "verdict")),
            ),
        ),
        Operation(
            name="failing-field-of-the-later-items",
            query="{ items { ... on Magazine { blurb } } }",
            data={"items": [{}, {}, {"blurb": None}, {"blurb": None}]},
            errors=(
                ExpectedError(("items", 2, "blurb")),
                ExpectedError(("items", 3, "blurb")),
            ),
            apollo=APOLLO,
            apollo_data={"items": [{}, {}, {"blurb": None}, {"blurb": None}]},
            apollo_errors=(
                ExpectedError(("items", 0, "blurb")),
                ExpectedError(("items", 1, "blurb")),
            ),
        ),
        Operation(
            name="failing-non-null-field-of-the-later-items",
            query="{ items { id ... on Magazine { stars } } }",
            data={"items": [{"id": "b1"}, {"id": "b2"}, None, None]},
            errors=(
                ExpectedError(("items", 2, "stars")),
                ExpectedError(("items", 3, "stars")),
            ),
            apollo=APOLLO,
            apollo_data={"items": [{"id": "b1"}, {"id": "b2"}, None, None]},
            apollo_errors=(
                ExpectedError(("items", 0, "stars")),
                ExpectedError(("items", 1, "stars")),
            ),
        ),
    ),
    generated=10,
    # They fail on purpose (the written operations and the fuzzer select them).
    generator_avoid=frozenset({"Magazine.verdict", "Magazine.blurb", "Magazine.stars"}),
)
