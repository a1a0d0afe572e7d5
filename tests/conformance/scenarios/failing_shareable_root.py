"""A shareable root field whose resolver fails in one subgraph (alpha) and answers in
another that @provides the selection (beta): a plan that needs only beta answers."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides"])\n'

ALBUM: dict[str, Any] = {"__typename": "Album", "id": "al1", "tags": ["t1", "t2"]}
TAGS: list[dict[str, Any]] = [
    {"__typename": "Red", "id": "t1", "label": "warm", "size": 2},
    {"__typename": "Blue", "id": "t2", "label": "cold", "size": 5},
]


def _tags(*fields: str) -> list[dict[str, Any]]:
    rows = [next(t for t in TAGS if t["id"] == i) for i in ALBUM["tags"]]
    return [{"__typename": t["__typename"], **{f: t[f] for f in fields}} for t in rows]


def _alpha_feed(_obj: Any, _info: Any) -> Any:
    # This subgraph's copy of the shareable field fails: only a plan that needs
    # alpha for `feed` meets it.
    raise SubgraphError("alpha's feed is down")


alpha = Subgraph(
    name="alpha",
    sdl=LINK
    + """
type Query {
  feed: Feed @shareable
}
interface Feed {
  id: ID!
}
interface Tag {
  id: ID!
}
type Album implements Feed @key(fields: "id") {
  id: ID!
  tags: [Tag] @shareable
}
type Red implements Tag @key(fields: "id") {
  id: ID! @external
}
type Blue implements Tag @key(fields: "id") {
  id: ID! @external
}
""",
    resolvers={"Query": {"feed": _alpha_feed}},
)

beta = Subgraph(
    name="beta",
    sdl=LINK
    + """
type Query {
  feed: Feed @shareable @provides(fields: "tags { id label }")
}
interface Feed {
  id: ID!
  tags: [Tag]
}
interface Tag {
  id: ID!
  label: String
}
type Album implements Feed {
  id: ID! @shareable
  tags: [Tag] @external
}
type Red implements Tag {
  id: ID! @external
  label: String @external
}
type Blue implements Tag {
  id: ID! @external
  label: String @external
}
""",
    resolvers={
        "Query": {"feed": lambda _o, _i: {**ALBUM, "tags": _tags("id", "label")}},
    },
)

gamma = Subgraph(
    name="gamma",
    sdl=LINK
    + """
interface Feed {
  id: ID!
  tags: [Tag]
}
interface Tag {
  id: ID!
  label: String
}
type Album implements Feed @key(fields: "id") {
  id: ID!
  tags: [Tag] @shareable
}
type Red implements Tag @key(fields: "id") {
  id: ID!
  label: String @shareable
  size: Int
}
type Blue implements Tag @key(fields: "id") {
  id: ID!
  label: String @shareable
  size: Int
}
""",
    resolvers={"Album": {"tags": lambda _o, _i: _tags("id", "label", "size")}},
    references={
        "Album": lambda rep: ALBUM if rep.get("id") == ALBUM["id"] else None,
        "Red": lambda rep: next((t for t in TAGS if t["id"] == rep.get("id")), None),
        "Blue": lambda rep: next((t for t in TAGS if t["id"] == rep.get("id")), None),
    },
)

SCENARIO = Scenario(
    name="failing_shareable_root",
    description="a shareable root field failing in one subgraph, provided by another",
    subgraphs=(alpha, beta, gamma),
    operations=(
        Operation(
            name="type-condition-asks-the-failing-subgraph",
            query="{ feed { ... on Album { tags { label } } } }",
            data={"feed": {"tags": [{"label": "warm"}, {"label": "cold"}]}},
            apollo=(
                "Apollo Gateway does not use beta's @provides below `... on Album` and asks "
                "alpha for `feed` (then gamma for the labels): two fetches where beta alone "
                "answers in one, and alpha's copy fails"
            ),
            apollo_data={"feed": None},
            apollo_errors=(ExpectedError(("feed",)),),
        ),
        Operation(
            name="provided-selection-from-beta",
            query="{ feed { id tags { id label } } }",
            data={
                "feed": {
                    "id": "al1",
                    "tags": [{"id": "t1", "label": "warm"}, {"id": "t2", "label": "cold"}],
                }
            },
        ),
    ),
    # Random operations over `feed` meet alpha's failure wherever Apollo asks alpha; the
    # fuzzer covers them (test_fuzz.py, explained by the named exception).
    generated=0,
)
