"""Sibling type conditions whose same-named fields differ in type in the subgraph.

The supergraph merges `Post.ref` (ID! in the subgraph) and `Draft.ref` (ID) to
`ID`, so the client may select both under one response key.

`... on Post { ref }` (ID!) and `... on Draft { ref }` (ID) in one selection do
not validate in the subgraph: the planner aliases the second, and the fetch's
output rewrite gives the client its own response key back.
"""

from __future__ import annotations

from typing import Any

from graphql import parse

from supergraph.executor.mock_transport import SchemaTransport
from supergraph.executor.representations import apply_rewrites
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.planner import build_query_plan
from supergraph.planner.plan import Fetch, KeyRenamer
from supergraph.schema import load_supergraph
from tests.executor.federated import subgraph_schema
from tests.planner.support import FIXTURES

_HEADER = (FIXTURES / "abstract" / "supergraph.graphql").read_text(encoding="utf-8")
_HEADER = _HEADER[: _HEADER.index("enum join__Graph {")]

SUPERGRAPH = load_supergraph(
    _HEADER
    + """
enum join__Graph {
  CONTENT @join__graph(name: "content", url: "http://content")
}

type Query @join__type(graph: CONTENT) {
  entries: [Entry!]!
}

union Entry @join__type(graph: CONTENT) @join__unionMember(graph: CONTENT, member: "Post")
  @join__unionMember(graph: CONTENT, member: "Draft") = Post | Draft

type Post @join__type(graph: CONTENT) {
  ref: ID @join__field(graph: CONTENT, type: "ID!")
  title: String
  related: [Entry!]!
  next: Entry @join__field(graph: CONTENT, type: "Post")
}

type Draft @join__type(graph: CONTENT) {
  ref: ID
  title: String
  related: [Entry!]!
  next: Entry
}
"""
)

ENTRIES: list[dict[str, Any]] = [
    {"__typename": "Post", "ref": "p1", "title": "Hello"},
    {"__typename": "Draft", "ref": None, "title": "Soon"},
    {"__typename": "Draft", "ref": "d2", "title": "Later"},
]
for entry in ENTRIES:
    entry["related"] = [ENTRIES[0], ENTRIES[2]] if entry["ref"] != "p1" else [ENTRIES[1]]

CONTENT = subgraph_schema(
    """
    union Entry = Post | Draft
    type Post { ref: ID! title: String related: [Entry!]! next: Post }
    type Draft { ref: ID title: String related: [Entry!]! next: Entry }
    type Query { entries: [Entry!]! }
    """,
    root={"entries": ENTRIES},
)

QUERY = """
{
  entries {
    ... on Post { ref title related { ... on Post { ref } ... on Draft { key: ref } } }
    ... on Draft { ref related { ... on Draft { ref } ... on Post { ref } } }
  }
}
"""


def test_the_second_type_gets_an_alias_in_the_subgraph_query() -> None:
    plan = build_query_plan(SUPERGRAPH, parse(QUERY))
    assert isinstance(plan.node, Fetch)
    operation = plan.node.operation
    assert "...on Draft{ref__shape_" in operation
    assert "...on Post{ref title" in operation
    assert "key:ref" in operation  # the only field under its response key: no alias


async def test_client_keys_are_restored() -> None:
    router = Router(SUPERGRAPH, SchemaTransport({"content": CONTENT}))
    response = await router.execute(GraphQLRequest(query=QUERY))
    assert response.body == {
        "data": {
            "entries": [
                {"ref": "p1", "title": "Hello", "related": [{"key": None}]},
                {"ref": None, "related": [{"ref": "p1"}, {"ref": "d2"}]},
                {"ref": "d2", "related": [{"ref": "p1"}, {"ref": "d2"}]},
            ]
        }
    }


def test_composite_fields_of_different_types_share_their_key() -> None:
    # Post.next is a Post, Draft.next an Entry: GraphQL compares their subfields only.
    query = "{ entries { ... on Post { next { ... on Post { title } } } ... on Draft { next { __typename } } } }"
    plan = build_query_plan(SUPERGRAPH, parse(query))
    assert isinstance(plan.node, Fetch)
    assert "__shape_" not in plan.node.operation
    assert plan.node.output_rewrites == ()


def test_restored_key_merges_with_an_object_already_there() -> None:
    value: dict[str, Any] = {
        "__typename": "Post",
        "next": {"title": "a", "more": [{"x": 1}]},
        "next__shape_0": {"ref": "p2", "more": [{"y": 2}]},
    }
    rename = KeyRenamer(path=("... on Post", "next__shape_0"), rename_key_to="next")
    apply_rewrites(value, [rename], PossibleTypes(SUPERGRAPH.api_schema))
    assert value == {
        "__typename": "Post",
        "next": {"title": "a", "more": [{"x": 1, "y": 2}], "ref": "p2"},
    }
