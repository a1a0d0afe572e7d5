"""An abstract type the subgraph has no object of: its fields are never evaluated there."""

from __future__ import annotations

import pytest
from graphql import parse

from supergraph.planner import PlanningError, build_query_plan
from supergraph.planner.render import plan_to_text
from supergraph.schema import Supergraph, load_supergraph
from tests.planner.support import JOIN_V03_PREAMBLE, expected

# `Shelf` is an interface of "stock" with no implementation anywhere, so
# `Query.shelf` is always null; `label` lives only in "labels", whose
# @interfaceObject cannot be reached (resolvable: false).
SDL = (
    JOIN_V03_PREAMBLE
    + """

enum join__Graph {
  LABELS @join__graph(name: "labels", url: "http://labels")
  STOCK @join__graph(name: "stock", url: "http://stock")
}

interface Shelf
  @join__type(graph: STOCK, key: "code")
  @join__type(graph: LABELS, key: "code", resolvable: false, isInterfaceObject: true)
{
  code: ID!
  label: String @join__field(graph: LABELS)
}

type Query
  @join__type(graph: LABELS)
  @join__type(graph: STOCK)
{
  shelf: Shelf @join__field(graph: STOCK)
  labelled: Shelf @join__field(graph: LABELS)
}
"""
)


def _model() -> Supergraph:
    return load_supergraph(SDL)


def _plan(query: str) -> str:
    return plan_to_text(build_query_plan(_model(), parse(query), None))


def test_unreachable_field_is_left_out_next_to_a_fetchable_one() -> None:
    # No object can be a `Shelf` of "stock": `label` is never evaluated there.
    assert _plan("{ shelf { label code } }") == expected(
        """
        QueryPlan {
          Fetch(service: "stock") {
            {
              shelf {
                __typename
                code
              }
            }
          },
        }
        """
    )


def test_typename_alone_is_enough_to_ask_the_subgraph() -> None:
    assert _plan("{ shelf { __typename label } }") == expected(
        """
        QueryPlan {
          Fetch(service: "stock") {
            {
              shelf {
                __typename
              }
            }
          },
        }
        """
    )


def test_only_unreachable_fields_are_refused() -> None:
    with pytest.raises(PlanningError, match=r'"Shelf\.label"'):
        _plan("{ shelf { label } }")


def test_reachable_position_keeps_the_field() -> None:
    assert _plan("{ labelled { label } }") == expected(
        """
        QueryPlan {
          Fetch(service: "labels") {
            {
              labelled {
                label
              }
            }
          },
        }
        """
    )


def test_type_condition_on_the_type_itself_is_its_selection() -> None:
    # `... on Shelf` inside a Shelf always applies, though no object type has it
    # (only the @interfaceObject stands for its values): it plans as its fields.
    with pytest.raises(PlanningError, match=r'"Shelf\.label"'):
        _plan("{ shelf { ... on Shelf { label } } }")
    assert _plan("{ shelf { ... on Shelf { label code } } }") == _plan("{ shelf { label code } }")
    assert _plan("{ labelled { ... on Shelf { label } } }") == _plan("{ labelled { label } }")
