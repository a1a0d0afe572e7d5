"""Demand control's `@cost` and `@listSize` reach the supergraph as Apollo's composition
(@apollo/composition 2.14, tests/node/compose-apollo.mjs) puts them there: same
applications (shared fields merged: largest weight and size, union of arguments), same
definitions, same `@link` to the cost spec; and the router's schema layer reads them."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from graphql import parse
from graphql.language import SchemaDefinitionNode, print_ast

from supergraph.compose import SubgraphSource, compose
from supergraph.schema import load_supergraph
from supergraph.schema.cost import read_cost_directives

from .normalize import semantic_diff
from .reference import NODE_DIR, node_available

_FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: {imports})\n'

BOOKS = (
    _FED.format(imports='["@key", "@cost", "@listSize", "@shareable"]')
    + """
type Query {
  book(id: ID): Book
  bestsellers: [Book] @listSize(assumedSize: 5)
  newestAdditions(after: ID, limit: Int! @cost(weight: 2)): [Book]
    @listSize(slicingArguments: ["limit"])
  search(first: Int, last: Int): Connection
    @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"],
              requireOneSlicingArgument: false)
  shared(a: Int, b: Int): [Book] @shareable @listSize(assumedSize: 3, slicingArguments: ["a"])
  weighted: Publisher @shareable @cost(weight: 3)
}
type Connection { edges: [Book] }
type Book @key(fields: "id") { id: ID! title: String author: Author publisher: Publisher }
type Author { name: String }
type Publisher @shareable { name: String address: Address }
type Address @cost(weight: 5) { zipCode: Int! }
enum Genre @cost(weight: 2) { NOVEL POEM }
scalar Big @cost(weight: 4)
input Filter { genre: Genre @cost(weight: 7) }
"""
)

PRICES = (
    _FED.format(imports='["@key", "@cost", "@listSize", "@shareable"]')
    + """
type Query {
  shared(a: Int, b: Int): [Book] @shareable
    @listSize(assumedSize: 7, slicingArguments: ["b"], requireOneSlicingArgument: false)
  weighted: Publisher @shareable @cost(weight: 8)
}
type Publisher @shareable { name: String }
type Book @key(fields: "id") { id: ID! price: Int @cost(weight: 9) }
"""
)

# The cost spec linked directly, not through federation.
DIRECT = """extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])
type Query { ids: [ID] @cost(weight: 2) @listSize(assumedSize: 4) }
"""

ONLY_COST = _FED.format(imports='["@cost"]') + "type Query { total: Int @cost(weight: 3) }\n"

_ALL = _FED.format(imports='["@key", "@cost", "@listSize"]')
INVALID = {
    "cost_on_interface": "type Query { n: Node } interface Node { id: ID! @cost(weight: 2) }",
    "list_size_on_non_list": "type Query { n: Int @listSize(assumedSize: 2) }",
    "negative_assumed_size": "type Query { n: [Int] @listSize(assumedSize: -1) }",
    "unknown_slicing_argument": 'type Query { n(a: Int): [Int] @listSize(slicingArguments: ["b"]) }',
    "slicing_argument_not_int": (
        'type Query { n(a: String): [Int] @listSize(slicingArguments: ["a"]) }'
    ),
    "sized_field_unknown": (
        'type Query { n(first: Int): C @listSize(slicingArguments: ["first"], '
        'sizedFields: ["nodes"]) } type C { edges: [Int] }'
    ),
    "sized_field_not_list": (
        'type Query { n(first: Int): C @listSize(slicingArguments: ["first"], '
        'sizedFields: ["total"]) } type C { total: Int }'
    ),
    "sized_fields_on_scalar": (
        'type Query { n(first: Int): [Int] @listSize(slicingArguments: ["first"], '
        'sizedFields: ["x"]) }'
    ),
}

CASES: dict[str, list[tuple[str, str]]] = {
    "shared": [("books", BOOKS), ("prices", PRICES)],
    "direct_link": [("direct", DIRECT)],
    "only_cost": [("counts", ONLY_COST)],
    **{name: [("bad", _ALL + sdl)] for name, sdl in INVALID.items()},
}


def _subgraphs(case: str) -> list[dict[str, str]]:
    return [{"name": n, "url": f"http://{n}.invalid/graphql", "sdl": s} for n, s in CASES[case]]


@pytest.fixture(scope="module")
def apollo() -> dict[str, dict[str, Any]]:
    if not node_available():
        pytest.fail("Node and tests/node/node_modules are needed: run `make node-peers`")
    completed = subprocess.run(
        ["node", str(NODE_DIR / "compose-apollo.mjs")],
        input=json.dumps({case: _subgraphs(case) for case in CASES}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        check=True,
        timeout=300,
    )
    result: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return result


def _ours(case: str) -> str:
    composed = compose([SubgraphSource(**s) for s in _subgraphs(case)])
    assert not composed.errors, composed.errors
    assert composed.supergraph_sdl is not None
    return composed.supergraph_sdl


def _cost_links(sdl: str) -> list[str]:
    schema = next(d for d in parse(sdl).definitions if isinstance(d, SchemaDefinitionNode))
    return [print_ast(d) for d in schema.directives or () if "/cost/" in print_ast(d)]


@pytest.mark.parametrize("case", sorted(set(CASES) - set(INVALID)))
def test_same_as_apollo_composition(case: str, apollo: dict[str, dict[str, Any]]) -> None:
    reference = apollo[case]
    assert "supergraph" in reference, reference
    ours = _ours(case)
    assert semantic_diff(ours, reference["supergraph"]) == []
    assert _cost_links(ours) == _cost_links(reference["supergraph"])
    assert _cost_links(ours)  # the feature is linked at all


def test_the_router_reads_what_composition_wrote() -> None:
    directives = read_cost_directives(load_supergraph(_ours("shared")).schema)
    assert directives.field_cost("Query", "weighted") == 8
    assert directives.type_cost("Address") == 5
    assert directives.type_cost("Big") == 4
    assert directives.argument_cost("Query", "newestAdditions", "limit") == 2
    assert directives.input_field_cost("Filter", "genre") == 7
    shared = directives.list_size("Query", "shared")
    assert shared is not None
    assert (shared.assumed_size, shared.slicing_arguments) == (7, ("a", "b"))
    assert shared.require_one_slicing_argument is False
    search = directives.list_size("Query", "search")
    assert search is not None and search.sized_fields == ("edges",)
    assert directives.list_size("Query", "book") is None


@pytest.mark.parametrize("case", sorted(INVALID))
def test_misplaced_directives_fail_as_in_apollo(
    case: str, apollo: dict[str, dict[str, Any]]
) -> None:
    reference = apollo[case]
    assert "errors" in reference, reference
    composed = compose([SubgraphSource(**s) for s in _subgraphs(case)])
    assert composed.supergraph_sdl is None
    ours = sorted((e.code, e.message) for e in composed.errors)
    assert ours == sorted((e["code"], e["message"]) for e in reference["errors"])
