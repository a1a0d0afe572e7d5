"""@provides (also nested), @external, @shareable root and value types."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides"])\n'

USERS: list[dict[str, Any]] = [
    {
        "id": "u1",
        "username": "ada",
        "email": "ada@example.com",
        "profile": {"bio": "math", "city": "London"},
    },
    {
        "id": "u2",
        "username": "alan",
        "email": "alan@example.com",
        "profile": {"bio": "logic", "city": "Wilmslow"},
    },
]

accounts = Subgraph(
    name="accounts",
    sdl=LINK
    + """
type User @key(fields: "id") {
  id: ID!
  username: String! @shareable
  email: String!
  profile: Profile! @shareable
}
type Profile @shareable {
  bio: String!
  city: String!
}
type Site @shareable {
  name: String!
  version: Int!
}
type Query {
  me: User
  site: Site! @shareable
}
""",
    resolvers={
        "Query": {
            "me": lambda _o, _i: USERS[0],
            "site": lambda _o, _i: {"name": "example", "version": 3},
        }
    },
    references={"User": by_key(USERS, "id")},
)

REVIEWS: list[dict[str, Any]] = [
    {
        "id": "r1",
        "body": "Great",
        "author": {"id": "u1", "username": "ada", "profile": {"bio": "math", "city": "London"}},
    },
    {
        "id": "r2",
        "body": "Meh",
        "author": {"id": "u2", "username": "alan", "profile": {"bio": "logic", "city": "Wilmslow"}},
    },
]

reviews = Subgraph(
    name="reviews",
    sdl=LINK
    + """
type Review @key(fields: "id") {
  id: ID!
  body: String!
  author: User! @provides(fields: "username profile { city }")
}
type User @key(fields: "id") {
  id: ID!
  username: String! @external
  profile: Profile! @external
  reviews: [Review!]!
}
type Profile @shareable {
  city: String! @external
}
type Site @shareable {
  name: String!
  version: Int!
}
type Query {
  reviews: [Review!]!
  site: Site! @shareable
}
""",
    resolvers={
        "Query": {
            "reviews": lambda _o, _i: REVIEWS,
            "site": lambda _o, _i: {"name": "example", "version": 3},
        },
        "User": {"reviews": lambda obj, _i: [r for r in REVIEWS if r["author"]["id"] == obj["id"]]},
    },
)

SCENARIO = Scenario(
    name="provides_shareable",
    description="@provides of a scalar and a nested field, @external fields needing a jump, @shareable root field and value types",
    subgraphs=(accounts, reviews),
    operations=(
        Operation(
            name="provided-fields-stay-local",
            query="{ reviews { body author { username profile { city } } } }",
            data={
                "reviews": [
                    {"body": "Great", "author": {"username": "ada", "profile": {"city": "London"}}},
                    {
                        "body": "Meh",
                        "author": {"username": "alan", "profile": {"city": "Wilmslow"}},
                    },
                ]
            },
            requests={"reviews": 1, "accounts": 0},
        ),
        Operation(
            name="not-provided-field-jumps",
            query="{ reviews { author { username email profile { bio } } } }",
            data={
                "reviews": [
                    {
                        "author": {
                            "username": "ada",
                            "email": "ada@example.com",
                            "profile": {"bio": "math"},
                        }
                    },
                    {
                        "author": {
                            "username": "alan",
                            "email": "alan@example.com",
                            "profile": {"bio": "logic"},
                        }
                    },
                ]
            },
            requests={"reviews": 1, "accounts": 1},
        ),
        Operation(
            name="external-without-provides",
            query="{ me { reviews { body author { id username } } } }",
            data={
                "me": {"reviews": [{"body": "Great", "author": {"id": "u1", "username": "ada"}}]}
            },
        ),
        Operation(
            name="shareable-root-one-fetch",
            query="{ site { name version } }",
            data={"site": {"name": "example", "version": 3}},
        ),
        Operation(
            name="shareable-root-with-other-fields",
            query="{ me { username } site { name } }",
            data={"me": {"username": "ada"}, "site": {"name": "example"}},
            requests={"accounts": 1, "reviews": 0},
        ),
        Operation(
            name="all-subfields-skipped",
            query="{ site { version @include(if: false) } me { username } }",
            data={"site": {}, "me": {"username": "ada"}},
        ),
        Operation(
            name="all-subfields-skipped-in-a-fragment",
            query="{ site { ... on Site { name @skip(if: true) } } }",
            data={"site": {}},
        ),
        Operation(
            name="all-subfields-skipped-by-variables",
            query=(
                "query($on: Boolean!, $off: Boolean!)"
                " { site { version @include(if: $on) name @skip(if: $off) } me { username } }"
            ),
            variables={"on": False, "off": True},
            data={"site": {}, "me": {"username": "ada"}},
        ),
        Operation(
            name="entity-fields-all-skipped-by-a-variable",
            query=(
                "query($on: Boolean!)"
                " { reviews { body author { email @include(if: $on) profile { bio @include(if: $on) } } } }"
            ),
            variables={"on": False},
            data={
                "reviews": [
                    {"body": "Great", "author": {"profile": {}}},
                    {"body": "Meh", "author": {"profile": {}}},
                ]
            },
        ),
    ),
)
