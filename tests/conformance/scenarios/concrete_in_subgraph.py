"""A field abstract in the API schema (an interface's) but of an object type where the
subgraph resolves it (the implementation's own field): the client's type condition
must still match the object."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides"])\n'

SONGS: list[dict[str, Any]] = [
    {"__typename": "Song", "id": "s1", "seconds": 200, "next": "s2"},
    {"__typename": "Song", "id": "s2", "seconds": 150, "next": "s3"},
    {"__typename": "Song", "id": "s3", "seconds": 310, "next": "s1"},
]


def _song(song_id: str) -> dict[str, Any]:
    return next(s for s in SONGS if s["id"] == song_id)


def _next_song(obj: dict[str, Any], _info: Any) -> dict[str, Any]:
    return _song(_song(obj["id"])["next"])


# The interface field `next` returns a Track; Song's own `next` is a Song that provides
# `seconds`, so a planner reaches `seconds` through `... on Song { next }`.
radio = Subgraph(
    name="radio",
    sdl=LINK
    + """
type Query {
  opener: Track
}
interface Track {
  next: Track
}
type Song implements Track @key(fields: "id") {
  id: ID!
  next: Song @provides(fields: "seconds")
  seconds: Int @external
}
""",
    resolvers={
        "Query": {"opener": lambda _o, _i: _song("s1")},
        "Song": {"next": _next_song},
    },
    references={"Song": by_key(SONGS, "id")},
)

timing = Subgraph(
    name="timing",
    sdl=LINK
    + """
type Song @key(fields: "id") {
  id: ID!
  seconds: Int @shareable
}
""",
    references={"Song": by_key(SONGS, "id")},
)

SCENARIO = Scenario(
    name="concrete_in_subgraph",
    description=(
        "an interface field whose implementation returns an object type (with @provides); "
        "type conditions below it"
    ),
    subgraphs=(radio, timing),
    operations=(
        Operation(
            name="interface-field-of-an-object-type-in-the-subgraph",
            query="{ opener { next { next { ... on Song { seconds } } } } }",
            data={"opener": {"next": {"next": {"seconds": 310}}}},
            apollo=(
                "Apollo Gateway reaches `seconds` through Song.next (a Song, providing "
                "`seconds`) without __typename, then cannot match the client's `... on Song` "
                "on the Track interface: it drops the fragment's fields, no error"
            ),
            apollo_data={"opener": {"next": {"next": {}}}},
        ),
        Operation(
            name="typename-selected-keeps-the-fragment",
            query="{ opener { next { next { __typename ... on Song { seconds } } } } }",
            data={"opener": {"next": {"next": {"__typename": "Song", "seconds": 310}}}},
        ),
    ),
    # Random operations meet Apollo's bug wherever they select below `next` with a type
    # condition; the fuzzer covers them (test_fuzz.py, explained by the named exception).
    generated=0,
)
