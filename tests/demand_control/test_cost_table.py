"""The static cost of operations, computed on their query plans, equals Apollo's.

The first rows are the examples of Apollo's documentation, with the costs it gives:
https://www.apollographql.com/docs/graphos/routing/security/demand-control
("Calculating cost": BookQuery 4 with defaults, 8 with `Address @cost(weight: 5)`;
"Handling list fields": BestsellersQuery 40 with `@listSize(assumedSize: 5)`,
NewestAdditions 24 with `limit: 3` and 56 with `limit: 7`). The other rows follow the
rules of Apollo Router's `static_cost.rs` (mutation 10, input object arguments, sized
fields, `_entities` fetches sized by `list_size`), each worked out in its comment.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from supergraph.limits.cost import CostModel, CostNotComputable
from supergraph.planner import build_query_plan
from supergraph.schema import load_supergraph
from supergraph.schema.cost import read_cost_directives

from .books import books_supergraph

BOOK_FIELDS = "title author { name } publisher { name address { zipCode } }"

# (name, operation, variables, list_size, expected cost)
TABLE: list[tuple[str, str, dict[str, Any], int, float]] = [
    # Apollo doc: 0 + book 1 + author 1 + publisher 1 + address 5 (its @cost) = 8
    # (the doc's 4 is the same query before `Address @cost(weight: 5)`: see below).
    ("BookQuery", f"query BookQuery {{ book(id: 1) {{ {BOOK_FIELDS} }} }}", {}, 10, 8),
    # Apollo doc: 5 books (assumedSize) * 8 = 40.
    ("BestsellersQuery", f"query B {{ bestsellers {{ {BOOK_FIELDS} }} }}", {}, 10, 40),
    # Apollo doc: limit 3 -> 3 * 8 = 24; limit 7 -> 56.
    ("NewestAdditions 3", f"{{ newestAdditions(limit: 3) {{ {BOOK_FIELDS} }} }}", {}, 10, 24),
    ("NewestAdditions 7", f"{{ newestAdditions(limit: 7) {{ {BOOK_FIELDS} }} }}", {}, 10, 56),
    # The slicing argument from a variable: 7 * 8.
    (
        "NewestAdditions $n",
        f"query($n: Int!) {{ newestAdditions(limit: $n) {{ {BOOK_FIELDS} }} }}",
        {"n": 7},
        10,
        56,
    ),
    # No @listSize: the configured list_size (10) * (book 1 + author 1) = 20.
    ("list_size", "{ everything { title author { name } } }", {}, 10, 20),
    ("list_size 3", "{ everything { title author { name } } }", {}, 3, 6),
    # Scalars, enums and __typename cost 0.
    ("scalars", "{ book(id: 1) { __typename title } }", {}, 10, 1),
    # Sized fields: shelves 1 + books sized by the default `first: 2` -> 2 * 1; total 0 = 3.
    ("sized default", "{ shelves { books { title } total } }", {}, 10, 3),
    # ... and by the larger of the two slicing arguments given: 1 + 6 * 1 = 7.
    ("sized", "{ shelves(first: 4, last: 6) { books { title } } }", {}, 10, 7),
    # A mutation: 10 + the Book object 1.
    ("mutation", 'mutation { addBook(title: "x") { title } }', {}, 10, 11),
    # Arguments: 10 + the list's @cost 3 + each Tag scored with the argument's definition
    # (Apollo's `score_argument`: its @cost 3 replaces an input object's 1) + `name` 2
    # = 10 + 3 + 2 * (3 + 2) = 23.
    (
        "argument costs",
        'mutation { tagBooks(tags: [{name: "a"}, {name: "b"}]) }',
        {},
        10,
        23,
    ),
    (
        "argument costs from variables",
        "mutation($t: [Tag!]) { tagBooks(tags: $t) }",
        {"t": [{"name": "a"}, {"name": "b"}]},
        10,
        23,
    ),
    # Skipped fields cost nothing: book 1 only.
    ("skip", "{ book(id: 1) { author @skip(if: true) { name } title } }", {}, 10, 1),
    # Entity fetch: `_entities` is a list without @listSize, so list_size (10) entities,
    # each 1 + rating 4 (its @cost) + reviews (3 assumed * 1) = 10 * 8 = 80; the books
    # fetch: book 1. Apollo counts the plan's subgraph requests, so the total is 81.
    ("entities", "{ book(id: 1) { title rating reviews { stars } } }", {}, 10, 81),
    # Five bestsellers each with a rating: books fetch 5 * 1, the entity fetch 10 * (1 + 4).
    ("entities under a list", "{ bestsellers { rating } }", {}, 10, 55),
]


@pytest.fixture(scope="module")
def supergraph_sdl() -> str:
    return books_supergraph()


def _cost(sdl: str, query: str, variables: dict[str, Any], list_size: int) -> float:
    supergraph = load_supergraph(sdl)
    model = CostModel(supergraph.schema, read_cost_directives(supergraph.schema), list_size)
    plan = build_query_plan(supergraph, parse(query), None)
    return model.estimate(plan, variables)


@pytest.mark.parametrize(("name", "query", "variables", "list_size", "expected"), TABLE)
def test_cost_table(
    supergraph_sdl: str,
    name: str,
    query: str,
    variables: dict[str, Any],
    list_size: int,
    expected: float,
) -> None:
    assert _cost(supergraph_sdl, query, variables, list_size) == expected, name


def test_book_query_costs_4_without_the_address_weight(supergraph_sdl: str) -> None:
    # Apollo doc, "Calculating cost": 1 Query (0) + book 1 + author 1 + publisher 1
    # + address 1 = 4 with the default weights.
    unweighted = supergraph_sdl.replace("@cost(weight: 5)", "")
    query = f"query BookQuery {{ book(id: 1) {{ {BOOK_FIELDS} }} }}"
    assert _cost(unweighted, query, {}, 10) == 4


def test_one_slicing_argument_is_required(supergraph_sdl: str) -> None:
    # `newestAdditions` requires exactly one slicing argument (the default): a variable
    # without a value leaves none, which Apollo refuses to cost.
    query = f"query($n: Int) {{ newestAdditions(limit: $n) {{ {BOOK_FIELDS} }} }}"
    with pytest.raises(CostNotComputable):
        _cost(supergraph_sdl, query, {}, 10)


def test_actual_cost_counts_the_lists_returned(supergraph_sdl: str) -> None:
    supergraph = load_supergraph(supergraph_sdl)
    model = CostModel(supergraph.schema, read_cost_directives(supergraph.schema), 10)
    operation = parse(f"{{ newestAdditions(limit: 7) {{ {BOOK_FIELDS} }} }}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    book = {"title": "t", "author": {"name": "a"}, "publisher": {"name": "p", "address": None}}
    with_address = {**book, "publisher": {"name": "p", "address": {"zipCode": 1}}}
    # Two books came back (not 7): 2 * (book 1 + author 1 + publisher 1) + the address 5;
    # a null costs its field's weight, as in Apollo's response visitor: 6 + 5 + 5 = 16
    # (the estimate of the same operation is 56).
    data = {"newestAdditions": [book, with_address]}
    assert model.actual(operation, {}, data, {}) == 16
    assert model.actual(operation, {}, {"newestAdditions": []}, {}) == 0
