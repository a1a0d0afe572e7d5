"""Types that differ between subgraphs: an interface implemented in some subgraphs
only, and same-named fields of different types (ID! and ID) in one selection.

(A field typed `Post` in one subgraph and `Entry` in another is not here: the
kit's composition does not record the narrower type, see tests/planner.)"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

POSTS: list[dict[str, Any]] = [
    {"__typename": "Post", "ref": "p1", "title": "Hello", "words": 120},
    {"__typename": "Post", "ref": "p2", "title": "Again", "words": 80},
]
DRAFTS: list[dict[str, Any]] = [
    {"__typename": "Draft", "ref": None, "title": "Untitled"},
    {"__typename": "Draft", "ref": "d2", "title": "Soon"},
]
ENTRIES = [POSTS[0], DRAFTS[0], DRAFTS[1]]

content = Subgraph(
    name="content",
    sdl=LINK
    + """
interface Titled {
  title: String
}
union Entry = Post | Draft
type Post implements Titled @key(fields: "ref") {
  ref: ID!
  title: String @shareable
  related: [Entry!]!
}
type Draft {
  ref: ID
  title: String @shareable
  related: [Entry!]!
}
type Query {
  entries: [Entry!]!
  featured: Post
}
""",
    resolvers={
        "Query": {
            "entries": lambda _o, _i: ENTRIES,
            "featured": lambda _o, _i: POSTS[0],
        },
        "Post": {"related": lambda _o, _i: [DRAFTS[1]]},
        "Draft": {"related": lambda _o, _i: [POSTS[1], DRAFTS[0]]},
    },
    references={"Post": by_key(POSTS, "ref")},
)

archive = Subgraph(
    name="archive",
    sdl=LINK
    + """
interface Titled {
  title: String
}
union Entry = Post
type Post @key(fields: "ref") {
  ref: ID
  words: Int
}
type Draft implements Titled {
  title: String @shareable
}
type Query {
  oldest: Post
}
""",
    resolvers={"Query": {"oldest": lambda _o, _i: POSTS[1]}},
    references={"Post": by_key(POSTS, "ref")},
)

SCENARIO = Scenario(
    name="subgraph_types",
    description="Titled implemented by Post and Draft in different subgraphs, ref: ID! on Post and ID on Draft in one selection",
    subgraphs=(content, archive),
    generated=10,
    operations=(
        Operation(
            name="interface-implemented-in-another-subgraph",
            query="{ entries { ... on Titled { title } } }",
            data={"entries": [{"title": "Hello"}, {"title": "Untitled"}, {"title": "Soon"}]},
        ),
        Operation(
            name="same-key-different-subgraph-types",
            query=(
                "{ entries { ... on Post { ref title related { ... on Draft { ref } } }"
                " ... on Draft { ref related { ... on Post { ref } ... on Draft { ref } } } } }"
            ),
            data={
                "entries": [
                    {"ref": "p1", "title": "Hello", "related": [{"ref": "d2"}]},
                    {"ref": None, "related": [{"ref": "p2"}, {"ref": None}]},
                    {"ref": "d2", "related": [{"ref": "p2"}, {"ref": None}]},
                ]
            },
        ),
        Operation(
            name="merged-field-key-order",
            query=(
                "{ oldest { related { ... on Titled { a: title } }"
                " related { __typename ... on Titled { title } } } }"
            ),
            data={"oldest": {"related": [{"a": "Soon", "__typename": "Draft", "title": "Soon"}]}},
            apollo=(
                "Apollo Gateway orders the keys of a response name selected twice by its own "
                "grouping (the type-conditioned title before __typename), not by first "
                "appearance as CollectFields does"
            ),
            apollo_data={
                "oldest": {"related": [{"a": "Soon", "title": "Soon", "__typename": "Draft"}]}
            },
        ),
        Operation(
            name="sibling-fields-of-different-types",
            query="{ entries { ... @include(if: true) { ... on Draft { ref } ... on Post { words } } } }",
            data={"entries": [{"words": 120}, {"ref": None}, {"ref": "d2"}]},
            apollo=(
                "Apollo Gateway sends Draft.ref (ID) and Post.ref (ID!, the key it needs for "
                "words) under one response name inside the conditional fragment: the content "
                "subgraph refuses the query and the data is lost"
            ),
            apollo_data=None,
            apollo_errors=(ExpectedError(None),),
        ),
    ),
)
