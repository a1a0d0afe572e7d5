"""Mutations: root mutation fields in several subgraphs run in order; results join entities.

Every mutation here is idempotent (the same operation is sent to each gateway).
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

NAMES: dict[str, str] = {"u1": "ada"}
LOG: list[str] = []


def _set_name(id: str, name: str) -> dict[str, Any]:
    NAMES[id] = name
    LOG.append(f"setName:{name}")
    return {"id": id, "name": name}


accounts = Subgraph(
    name="accounts",
    sdl=LINK
    + """
type User @key(fields: "id") {
  id: ID!
  name: String!
}
type Query {
  user(id: ID!): User
}
type Mutation {
  setName(id: ID!, name: String!): User!
  failing: Boolean
}
""",
    resolvers={
        "Query": {"user": lambda _o, _i, id: {"id": id, "name": NAMES.get(id, "?")}},
        "Mutation": {
            "setName": lambda _o, _i, id, name: _set_name(id, name),
            "failing": lambda _o, _i: _fail(),
        },
    },
    references={"User": lambda rep: {"id": rep["id"], "name": NAMES.get(rep["id"], "?")}},
)


def _fail() -> Any:
    raise SubgraphError("this mutation always fails", "MUTATION_FAILED")


POSTS: dict[str, dict[str, Any]] = {}


def _create_post(title: str, author_id: str) -> dict[str, Any]:
    post = {"id": f"post-{title.lower()}", "title": title, "author": {"id": author_id}}
    POSTS[post["id"]] = post
    LOG.append(f"createPost:{title}")
    return post


posts = Subgraph(
    name="posts",
    sdl=LINK
    + """
type Post @key(fields: "id") {
  id: ID!
  title: String!
  author: User!
}
type User @key(fields: "id") {
  id: ID!
  postCount: Int!
}
type Mutation {
  createPost(title: String!, authorId: ID!): Post!
}
""",
    resolvers={
        "Mutation": {
            "createPost": lambda _o, _i, title, authorId: _create_post(title, authorId),
        },
        "User": {
            "postCount": lambda obj, _i: sum(
                1 for p in POSTS.values() if p["author"]["id"] == obj["id"]
            )
        },
    },
)

SCENARIO = Scenario(
    name="mutations",
    description="mutation fields from two subgraphs in one operation, entity jumps from mutation results",
    subgraphs=(accounts, posts),
    generator_samples={"Query.user": ({"id": "u1"}, {"id": "u2"})},
    operations=(
        Operation(
            name="mutation-then-entity",
            query='mutation { createPost(title: "Hello", authorId: "u1") { id title author { id name } } }',
            data={
                "createPost": {
                    "id": "post-hello",
                    "title": "Hello",
                    "author": {"id": "u1", "name": "ada"},
                }
            },
        ),
        Operation(
            name="mutations-in-order",
            query="""
            mutation Both($name: String!) {
              first: setName(id: "u1", name: $name) { name }
              post: createPost(title: "World", authorId: "u1") { title author { name } }
              second: setName(id: "u1", name: "ada") { name }
            }
            """,
            variables={"name": "ada lovelace"},
            operation_name="Both",
            data={
                "first": {"name": "ada lovelace"},
                "post": {"title": "World", "author": {"name": "ada lovelace"}},
                "second": {"name": "ada"},
            },
            requests={"accounts": 3, "posts": 1},
        ),
        Operation(
            name="failing-mutation-in-the-middle",
            query="""
            mutation {
              first: setName(id: "u1", name: "ada") { name }
              broken: failing
              post: createPost(title: "Third", authorId: "u1") { id author { name } }
            }
            """,
            data={
                "first": {"name": "ada"},
                "broken": None,
                "post": {"id": "post-third", "author": {"name": "ada"}},
            },
            errors=(ExpectedError(("broken",)),),
        ),
    ),
    generator_avoid=frozenset({"Mutation.setName", "Mutation.createPost", "Mutation.failing"}),
)
