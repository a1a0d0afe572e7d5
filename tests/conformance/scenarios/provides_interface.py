"""@provides on an interface field whose implementations have no key in that subgraph."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides"])\n'

NOTES: list[dict[str, Any]] = [
    {"__typename": "Note", "id": "n1", "text": "first", "likes": 3},
    {"__typename": "Note", "id": "n2", "text": "second", "likes": 5},
]
POSTS: list[dict[str, Any]] = [
    {"__typename": "Story", "id": "s1", "comments": ["n1"]},
    {"__typename": "Video", "id": "v1", "comments": ["n2", "n1"]},
]


def _comments(post: dict[str, Any], *fields: str) -> list[dict[str, Any]]:
    found = next(p for p in POSTS if p["id"] == post["id"])
    notes = [next(n for n in NOTES if n["id"] == i) for i in found["comments"]]
    return [{"__typename": "Note", **{f: n[f] for f in fields}} for n in notes]


_POST_TYPES = """
type Story implements Post @key(fields: "id") {
  id: ID!
  comments: [Comment] @shareable
}
type Video implements Post @key(fields: "id") {
  id: ID!
  comments: [Comment] @shareable
}
"""

full = Subgraph(
    name="full",
    sdl=LINK
    + _POST_TYPES
    + """
interface Post {
  id: ID!
  comments: [Comment]
}
interface Comment {
  id: ID!
  text: String
}
type Note implements Comment @key(fields: "id") {
  id: ID!
  text: String @shareable
  likes: Int
}
""",
    resolvers={
        "Story": {"comments": lambda obj, _i: _comments(obj, "id", "text", "likes")},
        "Video": {"comments": lambda obj, _i: _comments(obj, "id", "text", "likes")},
    },
    references={
        "Story": by_key(POSTS, "id"),
        "Video": by_key(POSTS, "id"),
        "Note": by_key(NOTES, "id"),
    },
)

listing = Subgraph(
    name="list",
    sdl=LINK
    + _POST_TYPES
    + """
type Query {
  feed: [Post] @shareable
}
interface Post {
  id: ID!
}
interface Comment {
  id: ID!
}
type Note implements Comment @key(fields: "id") {
  id: ID! @external
}
""",
    resolvers={
        "Query": {
            "feed": lambda _o, _i: [{"__typename": p["__typename"], "id": p["id"]} for p in POSTS]
        },
        "Story": {"comments": lambda obj, _i: _comments(obj, "id")},
        "Video": {"comments": lambda obj, _i: _comments(obj, "id")},
    },
    references={"Story": by_key(POSTS, "id"), "Video": by_key(POSTS, "id")},
)

quick = Subgraph(
    name="quick",
    sdl=LINK
    + """
type Query {
  feed: [Post] @shareable @provides(fields: "comments { id text }")
}
interface Post {
  id: ID!
  comments: [Comment]
}
type Story implements Post {
  id: ID! @shareable
  comments: [Comment] @external
}
type Video implements Post {
  id: ID! @shareable
  comments: [Comment] @external
}
interface Comment {
  id: ID!
  text: String
}
type Note implements Comment {
  id: ID! @external
  text: String @external
}
""",
    resolvers={
        "Query": {
            "feed": lambda _o, _i: [
                {
                    "__typename": p["__typename"],
                    "id": p["id"],
                    "comments": _comments(p, "id", "text"),
                }
                for p in POSTS
            ]
        }
    },
)

SCENARIO = Scenario(
    name="provides_interface",
    description="@provides on an interface field; a field it lacks is fetched again from each implementation",
    subgraphs=(full, listing, quick),
    operations=(
        Operation(
            name="provided-comments-stay-local",
            query="{ feed { id comments { id text } } }",
            data={
                "feed": [
                    {"id": "s1", "comments": [{"id": "n1", "text": "first"}]},
                    {
                        "id": "v1",
                        "comments": [{"id": "n2", "text": "second"}, {"id": "n1", "text": "first"}],
                    },
                ]
            },
            requests={"quick": 1, "list": 0, "full": 0},
        ),
        Operation(
            name="not-provided-field-from-each-implementation",
            query="{ feed { id comments { id text ... on Note { likes } } } }",
            data={
                "feed": [
                    {"id": "s1", "comments": [{"id": "n1", "text": "first", "likes": 3}]},
                    {
                        "id": "v1",
                        "comments": [
                            {"id": "n2", "text": "second", "likes": 5},
                            {"id": "n1", "text": "first", "likes": 3},
                        ],
                    },
                ]
            },
            requests={"quick": 1, "list": 0, "full": 1},
        ),
    ),
)
