"""The pure parts of @defer: splitting an operation (operation/defer.py) and which
parts each fetch of the finished plan serves (planner/defer.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

from supergraph.compose import SubgraphSource, compose
from supergraph.operation.defer import (
    PRIMARY,
    DeferSplit,
    deferred_count,
    has_defer,
    split_deferred,
    strip_defer,
)
from supergraph.planner import build_query_plan
from supergraph.planner.defer import executed_fetches, fetch_owners
from supergraph.planner.plan import QueryPlan
from supergraph.schema import Supergraph, load_supergraph
from tests.defer.stubs import Control, inventory_schema, products_schema, reviews_schema
from tests.subscriptions.stack import sdl_of


@cache
def supergraph() -> Supergraph:
    sources = [
        SubgraphSource(name, f"http://{name}/graphql", sdl_of(schema))
        for name, schema in (
            ("products", products_schema()),
            ("reviews", reviews_schema()),
            ("inventory", inventory_schema(Control())),
        )
    ]
    sdl = compose(sources).supergraph_sdl
    assert sdl is not None
    return load_supergraph(sdl)


def split(query: str, variables: dict[str, Any] | None = None) -> DeferSplit:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return split_deferred(supergraph().api_schema, operation, fragments, variables or {})


def test_the_primary_operation_leaves_deferred_fragments_out() -> None:
    found = split(
        'query { products { upc ... @defer(label: "s") { inStock ... @defer { name } } } }'
    )
    assert " ".join(print_ast(found.primary).split()) == "{ products { upc } }"
    outer, inner = found.deferred
    assert (outer.id, outer.label, outer.parent, outer.path) == (1, "s", PRIMARY, ("products",))
    assert (inner.id, inner.label, inner.parent, inner.path) == (2, None, 1, ("products",))
    assert " ".join(print_ast(outer.selections).split()) == "{ inStock }"
    # Which part owns what: an error's path finds its part.
    assert found.owner_of(["products", 0, "upc"]) == PRIMARY
    assert found.owner_of(["products", 1, "inStock"]) == 1
    assert found.owner_of(["products", 1, "name"]) == 2
    assert found.owner_of(["nothing"]) is None


def test_if_false_skip_and_include_decide_what_is_deferred() -> None:
    query = """query ($d: Boolean!, $s: Boolean!) { products {
      upc ... @defer(if: $d) { name } ... @skip(if: $s) @defer { inStock } } }"""
    assert len(split(query, {"d": True, "s": False}).deferred) == 2
    not_deferred = split(query, {"d": False, "s": True})
    assert not_deferred.deferred == ()
    assert "name" in print_ast(not_deferred.primary)  # an ordinary fragment again


def test_named_fragments_count_at_each_spread() -> None:
    query = """query { products { ...F @defer } product(upc: "p1") { ...F @defer } }
      fragment F on Product { inStock }"""
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragment = document.definitions[1]
    assert isinstance(fragment, FragmentDefinitionNode)
    assert deferred_count(supergraph().api_schema, operation, {"F": fragment}) == 2
    assert [f.path for f in split(query).deferred] == [("products",), ("product",)]


def test_planning_never_sees_defer() -> None:
    document = parse('query { products { upc ... @defer(label: "s") { inStock } } }')
    assert has_defer(document)
    assert not has_defer(parse("query { products { upc } }"))
    stripped = strip_defer(document)
    assert "defer" not in print_ast(stripped)
    plan = build_query_plan(supergraph(), stripped)
    assert all("defer" not in f.operation for f in executed_fetches(plan.node, {}))


def test_each_fetch_serves_the_parts_whose_fields_it_selects() -> None:
    query = """query { products { upc ... @defer { inStock } ... @defer { reviews { stars } } } }"""
    plan: QueryPlan = build_query_plan(supergraph(), strip_defer(parse(query)))
    owners = fetch_owners(plan, split(query).tree)
    served = sorted(
        (f.service_name, sorted(owners[id(f)])) for f in executed_fetches(plan.node, {})
    )
    assert served == [("inventory", [1]), ("products", [PRIMARY]), ("reviews", [2])]
