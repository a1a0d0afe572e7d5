"""A @shareable root field that both gateways ask of two subgraphs in parallel (each
for the fields only it has), whose copy fails in one of them: alpha's `feed` fails,
beta's answers. The failed copy's error is at `feed`: the field is null, as when a
plan asks alpha alone (docs/planner.md), whichever fetch ends last.

Beta answers `feed` after a pause, so that its fetch ends last: Apollo Gateway then
answers beta's part beside alpha's error (the named exception
split-root-failure-overwritten); without the pause its answer changes from one send to
the next."""

from __future__ import annotations

import time
from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

ALBUMS: list[dict[str, Any]] = [{"__typename": "Album", "id": "al1", "title": "Blue", "rating": 5}]


def _alpha_feed(_obj: Any, _info: Any) -> Any:
    # Only the root copy fails: alpha still answers Album lookups by key.
    raise SubgraphError("alpha's feed is down")


alpha = Subgraph(
    name="alpha",
    sdl=LINK
    + """
type Query {
  feed: Album @shareable
}
type Album @key(fields: "id") {
  id: ID!
  title: String
}
""",
    resolvers={"Query": {"feed": _alpha_feed}},
    references={"Album": by_key(ALBUMS, "id")},
)

BETA_PAUSE = 0.5
"""Seconds beta waits before answering `feed` (alpha fails at once)."""


def _beta_feed(_obj: Any, _info: Any) -> Any:
    time.sleep(BETA_PAUSE)
    return ALBUMS[0]


beta = Subgraph(
    name="beta",
    sdl=LINK
    + """
type Query {
  feed: Album @shareable
}
type Album @key(fields: "id") {
  id: ID!
  rating: Int
}
""",
    resolvers={"Query": {"feed": _beta_feed}},
    references={"Album": by_key(ALBUMS, "id")},
)

SCENARIO = Scenario(
    name="failing_split_root",
    description="a shareable root field split across two subgraphs, failing in one",
    subgraphs=(alpha, beta),
    operations=(
        Operation(
            name="split-root-field-failing-in-one-part",
            query="{ feed { title rating } }",
            data={"feed": None},
            errors=(ExpectedError(("feed",)),),
            apollo=(
                "Apollo Gateway asks `feed` of alpha and beta in parallel; alpha fails it, "
                "and beta's part, ending last, overwrites the null: an object beside the "
                "error at its own path"
            ),
            apollo_data={"feed": {"title": None, "rating": 5}},
        ),
        Operation(
            name="beta-alone",
            query="{ feed { id rating } }",
            data={"feed": {"id": "al1", "rating": 5}},
        ),
    ),
    generated=0,
)
