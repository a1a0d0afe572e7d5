"""Conditions met along several paths never put two `@include`/`@skip` on one node.

A selection under `... @include(if: $a)` with its own `@include(if: $b)` needs
both to hold: the subgraph operation nests them (one of a kind per node), and
a condition met twice is written once.
"""

from __future__ import annotations

from graphql import DirectiveNode, parse

from supergraph.planner.plan import Condition, Fetch, Flatten, PlanNode, Sequence
from supergraph.planner.selection import SelectionSet
from tests.planner.support import expected, plan, plan_text


def _directive(text: str) -> DirectiveNode:
    field = parse(f"{{ a {text} }}").definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    found: DirectiveNode = field.directives[0]
    return found


A = _directive("@include(if: $a)")
B = _directive("@include(if: $b)")
S = _directive("@skip(if: $s)")


def test_two_includes_on_a_field_nest_the_second_around_it() -> None:
    selection = SelectionSet()
    selection.add_field("title", None, (), (A, B), False, internal=False)
    assert selection.print() == "{...@include(if:$b){title@include(if:$a)}}"


def test_two_includes_on_a_fragment_nest_one_fragment_inside() -> None:
    selection = SelectionSet()
    inner = selection.add_fragment("Book", (A, S, B))
    inner.sub.add_field("title", None, (), (), False, internal=False)
    assert selection.print() == "{...on Book@include(if:$a)@skip(if:$s){...@include(if:$b){title}}}"
    # The same conditions again reach the same innermost fragment.
    assert selection.add_fragment("Book", (A, S, B)) is inner


def test_a_repeated_condition_is_written_once() -> None:
    selection = SelectionSet()
    once = selection.add_fragment("Book", (A,))
    assert selection.add_fragment("Book", (A, A)) is once
    selection.add_field("id", None, (), (S, S), False, internal=False)
    assert selection.print() == "{...on Book@include(if:$a){} id@skip(if:$s)}"


def test_root_field_under_a_conditional_fragment() -> None:
    query = "query($a: Boolean!, $b: Boolean!) { ... @include(if: $a) { library @include(if: $b) { id } } }"
    # The Condition nodes decide both: the subgraph operation repeats neither
    # (as Apollo's planner, which keeps an empty `... {}` around the field).
    assert plan_text("abstract", query) == expected(
        """
        QueryPlan {
          Include(if: $a) {
            Include(if: $b) {
              Fetch(service: "media") {
                {
                  library {
                    __typename
                    id
                  }
                }
              },
            },
          },
        }
        """
    )


def _fetches(node: PlanNode | None) -> list[Fetch]:
    match node:
        case Fetch():
            return [node]
        case Flatten():
            return _fetches(node.node)
        case Condition():
            return _fetches(node.if_clause) + _fetches(node.else_clause)
        case Sequence():
            return [f for n in node.nodes for f in _fetches(n)]
        case None:
            return []
    return [f for n in getattr(node, "nodes", ()) for f in _fetches(n)]


def test_entity_fetch_nests_the_fragment_conditions() -> None:
    query = (
        "query($a: Boolean!, $b: Boolean!)"
        " { trending { ... on Book @include(if: $a) { ... @include(if: $b) { title } } } }"
    )
    operations = [f.operation for f in _fetches(plan("abstract", query).node)]
    assert len(operations) == 2
    for operation in operations:
        assert "@include(if:$a)@include" not in operation
        parse(operation)
    assert operations[0].endswith(
        "{trending{__typename ...on Book@include(if:$a){...@include(if:$b){__typename id}}}}"
    )
    # The entity fetch runs under Include($a) and Include($b): nothing left to repeat.
    assert operations[1].endswith(
        "{_entities(representations:$representations){...on Book{title}}}"
    )
