"""A key field a subgraph declares @external is one it cannot send.

Only on a type the subgraph extends (Federation 1 style `extend type`,
`extension: true` in the supergraph) are @external key fields "fake" externals
the subgraph still returns. Otherwise a fetch of that subgraph can neither
return the field nor jump out of the type through that key.
"""

from __future__ import annotations

import pytest
from graphql import FieldNode, Visitor, parse, visit

from supergraph.planner import PlanningError, build_query_plan
from supergraph.planner.plan import Fetch, Flatten, PlanNode
from supergraph.planner.render import plan_to_text
from supergraph.schema import Supergraph, load_supergraph
from tests.planner.support import FIXTURES, expected

_HEADER = (FIXTURES / "abstract" / "supergraph.graphql").read_text(encoding="utf-8")
_HEADER = _HEADER[: _HEADER.index("enum join__Graph {")]


def _supergraph(extension: bool) -> Supergraph:
    flag = ", extension: true" if extension else ""
    return load_supergraph(
        _HEADER
        + f"""
enum join__Graph {{
  BILLING @join__graph(name: "billing", url: "http://billing")
  TRACKING @join__graph(name: "tracking", url: "http://tracking")
}}

type Query @join__type(graph: BILLING) @join__type(graph: TRACKING) {{
  parcel(code: ID!): Parcel
  inTransit: [Parcel!]! @join__field(graph: TRACKING)
}}

type Parcel
  @join__type(graph: BILLING, key: "code")
  @join__type(graph: TRACKING, key: "code"{flag})
{{
  code: ID! @join__field(graph: BILLING) @join__field(graph: TRACKING, external: true)
  fee: Int! @join__field(graph: BILLING)
  status: String! @join__field(graph: TRACKING)
}}
"""
    )


def _plan(sg: Supergraph, query: str) -> str:
    return plan_to_text(build_query_plan(sg, parse(query)))


def test_a_real_external_key_field_cannot_be_sent() -> None:
    with pytest.raises(PlanningError, match=r'"Parcel\.code"'):
        _plan(_supergraph(extension=False), "{ inTransit { code } }")


def test_no_jump_out_through_a_real_external_key() -> None:
    # `fee` needs a jump to billing, whose key tracking cannot send.
    with pytest.raises(PlanningError, match=r'"Parcel\.code"'):
        _plan(_supergraph(extension=False), "{ inTransit { status fee } }")


def test_a_shared_root_field_asks_the_key_field_where_it_resolves() -> None:
    plan = build_query_plan(
        _supergraph(extension=False), parse('{ parcel(code: "p1") { code status } }')
    )
    selected = {f.service_name: _field_names(f.operation) for f in _fetches(plan.node)}
    assert "code" in selected["billing"]
    assert all("code" not in names for graph, names in selected.items() if graph != "billing")


def _field_names(operation: str) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_args: object) -> None:
            names.add(node.name.value)

    visit(parse(operation), Collect())
    return names


def _fetches(node: PlanNode | None) -> list[Fetch]:
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return _fetches(node.node)
    return [f for child in getattr(node, "nodes", ()) for f in _fetches(child)]


def test_an_extension_sends_its_external_key_fields() -> None:
    assert _plan(_supergraph(extension=True), "{ inTransit { status fee } }") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "tracking") {
              {
                inTransit {
                  status
                  __typename
                  code
                }
              }
            },
            Flatten(path: "inTransit.@") {
              Fetch(service: "billing") {
                {
                  ... on Parcel {
                    __typename
                    code
                  }
                } =>
                {
                  ... on Parcel {
                    fee
                  }
                }
              },
            },
          },
        }
        """
    )
