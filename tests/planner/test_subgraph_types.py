"""Type conditions are planned by what each subgraph knows of the types.

- An object may implement an interface in the supergraph but not in the
  subgraph that returns it: that subgraph gets the condition per object type.
- A subgraph may declare a narrower field type (`@join__field(type:)`, an
  object where the supergraph has a union): conditions that can never match
  it are not sent, and `__typename` is (the client's type is abstract).
"""

from __future__ import annotations

from functools import cache

from graphql import parse

from supergraph.planner import build_query_plan
from supergraph.planner.plan import Fetch
from supergraph.schema import Supergraph, load_supergraph
from tests.planner.support import FIXTURES

_HEADER = (FIXTURES / "abstract" / "supergraph.graphql").read_text(encoding="utf-8")
_HEADER = _HEADER[: _HEADER.index("enum join__Graph {")]


@cache
def _supergraph() -> Supergraph:
    return load_supergraph(
        _HEADER
        + """
enum join__Graph {
  SERVICE @join__graph(name: "service", url: "http://service")
  STORE @join__graph(name: "store", url: "http://store")
}

type Query @join__type(graph: SERVICE) @join__type(graph: STORE) {
  listings: [Listing!]! @join__field(graph: STORE)
  pick: Listing @join__field(graph: STORE, type: "Bike")
}

interface Named @join__type(graph: SERVICE) @join__type(graph: STORE) {
  name: String!
}

union Listing
  @join__type(graph: SERVICE)
  @join__type(graph: STORE)
  @join__unionMember(graph: SERVICE, member: "Helmet")
  @join__unionMember(graph: STORE, member: "Bike")
  @join__unionMember(graph: STORE, member: "Helmet")
= Bike | Helmet

type Bike implements Named
  @join__type(graph: STORE, key: "id")
  @join__implements(graph: STORE, interface: "Named")
{
  id: ID!
  name: String!
}

type Helmet implements Named
  @join__type(graph: SERVICE, key: "id")
  @join__type(graph: STORE, key: "id")
  @join__implements(graph: SERVICE, interface: "Named")
{
  id: ID!
  name: String!
  size: Int @join__field(graph: SERVICE)
}
"""
    )


def _operation(query: str) -> str:
    plan = build_query_plan(_supergraph(), parse(query))
    assert isinstance(plan.node, Fetch)
    return plan.node.operation


def test_interface_implemented_in_another_subgraph_is_asked_per_object() -> None:
    assert _operation("{ listings { ... on Named { name } } }") == (
        "{listings{__typename ...on Bike{name} ...on Helmet{name}}}"
    )


def test_interface_implemented_in_the_subgraph_stays_one_condition() -> None:
    assert _operation("{ pick { ... on Named { name } } }") == "{pick{__typename name}}"


def test_narrower_subgraph_type_drops_conditions_it_never_matches() -> None:
    query = "{ pick { ... on Helmet { id name } ... on Bike { name } } }"
    assert _operation(query) == "{pick{__typename name}}"
