"""A conditional fragment whose fields another subgraph serves (issue 13, class 1).

In the fixture `conditional_fragments`, `Shelf` is a value type: `Shelf.location`
(library) is re-fetched through the ancestor `Book`'s key. The fragment the
catalog's operation opened for it stays empty; `{}` is a syntax error for the
subgraph, so it is left out, and the conditions met on the way down from the
ancestor go with the re-fetch (a Condition node, or directives in a fetch
shared with unconditional content).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from graphql import GraphQLSyntaxError, parse

from supergraph.planner.context import directive_for
from supergraph.planner.nonempty import without_empty
from supergraph.planner.plan import json_fetch_nodes
from supergraph.planner.render import plan_to_json
from supergraph.planner.selection import SelectionSet
from tests.planner.support import expected, plan, plan_text

FIXTURE = "conditional_fragments"


def test_conditional_fragment_served_elsewhere_leaves_no_trace_in_the_parent_fetch() -> None:
    query = "query($b: Boolean!) { books { shelf { name ... @include(if: $b) { location { room } } } } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                books {
                  shelf {
                    name
                  }
                  __typename
                  id
                }
              }
            },
            Include(if: $b) {
              Flatten(path: "books.@") {
                Fetch(service: "library") {
                  {
                    ... on Book {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Book {
                      shelf {
                        location {
                          room
                        }
                      }
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_nested_conditions_each_wrap_the_re_fetch() -> None:
    query = (
        "query($a: Boolean!, $b: Boolean!) { books { shelf { name"
        " ... @include(if: $a) { ... on Shelf @skip(if: $b) { location { room } } } } } }"
    )
    text = plan_text(FIXTURE, query)
    assert 'Include(if: $a) {\n      Skip(if: $b) {\n        Flatten(path: "books.@")' in text
    assert "@include" not in text and "@skip" not in text


def test_a_re_fetch_shared_with_unconditional_content_keeps_its_condition() -> None:
    query = (
        "query($b: Boolean!) { books { shelf { name location { floor }"
        " ... @include(if: $b) { location { room } } } } }"
    )
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                books {
                  shelf {
                    name
                  }
                  __typename
                  id
                }
              }
            },
            Flatten(path: "books.@") {
              Fetch(service: "library") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    shelf {
                      location {
                        floor
                      }
                    }
                    shelf @include(if: $b) {
                      location {
                        room
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


VARIANTS = [
    "query($b: Boolean!) { books { shelf { name ... @skip(if: $b) { location { room } } } } }",
    "query($b: Boolean!) { books { shelf { name ... on Shelf @include(if: $b) { location { room } } } } }",
    "query($b: Boolean!) { books { shelf { name ...Where @include(if: $b) } } }"
    " fragment Where on Shelf { location { room } }",
    "query($b: Boolean!) { books { shelf { name ...Where } } }"
    " fragment Where on Shelf { ... @skip(if: $b) { location { room } } }",
    "query($b: Boolean!) { books { shelf { name location @include(if: $b) { room } } } }",
    "query($b: Boolean!) { books { shelf { ... @include(if: $b) { location { room } } } } }",
    "query($b: Boolean!) { books { title shelf { ... @include(if: $b) { name location { room } } } } }",
    "query($a: Boolean!, $b: Boolean!) { books { shelf @include(if: $a)"
    " { name ... @skip(if: $b) { location { floor } } } } }",
    "query($b: Boolean!) { books { id shelf { name ... @include(if: $b) { location { room } }"
    " ... @skip(if: $b) { location { floor } } } } }",
]


@pytest.mark.parametrize("query", VARIANTS)
def test_no_subgraph_operation_has_an_empty_selection_set(query: str) -> None:
    fetches = _fetches_with_conditions(plan_to_json(plan(FIXTURE, query))["node"], ())
    assert [fetch["serviceName"] for fetch, _ in fetches] == ["catalog", "library"]
    for fetch, _ in fetches:
        # The spec's grammar, and graphql-js subgraphs, refuse `{}`.
        parse(fetch["operation"], allow_empty_selection_sets=False)
    # The library fetch runs only under the conditions of what it fetches, or asks
    # what it fetches under them.
    library, conditions = fetches[1]
    assert "b" in conditions or "b" in library["variableUsages"]


def _fetches_with_conditions(
    node: Mapping[str, Any] | None, conditions: tuple[str, ...]
) -> list[tuple[Mapping[str, Any], tuple[str, ...]]]:
    """Each Fetch of a JSON plan with the variables of the Condition nodes above it."""
    if not node:
        return []
    if node["kind"] == "Fetch":
        return [(node, conditions)]
    if node["kind"] == "Condition":
        inner = (*conditions, node["condition"])
        return _fetches_with_conditions(node.get("ifClause"), inner) + _fetches_with_conditions(
            node.get("elseClause"), inner
        )
    children = [node.get("node"), *node.get("nodes", ())]
    return [found for child in children for found in _fetches_with_conditions(child, conditions)]


def test_empty_fragments_are_left_out_and_emptied_fields_ask_typename() -> None:
    selection = SelectionSet()
    shelf, _ = selection.add_field("shelf", None, (), (), True, internal=False)
    assert shelf.sub is not None
    shelf.sub.add_fragment(None, (directive_for("b", True),))
    with pytest.raises(GraphQLSyntaxError):
        parse(selection.print(), allow_empty_selection_sets=False)
    assert without_empty(selection).print() == "{shelf{__typename}}"
    assert selection.print() == "{shelf{...@include(if:$b){}}}"  # a copy: the group's is kept
    assert without_empty(SelectionSet()).print() == "{__typename}"
    kept = SelectionSet()
    kept.add_field("id", None, (), (), False, internal=False)
    assert without_empty(kept) is kept


def test_a_variable_only_an_emptied_fragment_used_is_not_declared() -> None:
    query = "query($b: Boolean!) { books { shelf { name ... @include(if: $b) { location { room } } } } }"
    catalog = next(json_fetch_nodes(plan_to_json(plan(FIXTURE, query))["node"]))
    assert catalog["operation"] == "{books{shelf{name} __typename id}}"
    assert catalog["variableUsages"] == []
