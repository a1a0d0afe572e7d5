"""Root path finding (roots.py) answers in types, apart from building the fetch graph."""

from __future__ import annotations

from graphql import parse

from supergraph.operation import Field, normalize_operation
from supergraph.planner.budget import Budget
from supergraph.planner.cost import CostModel
from supergraph.planner.roots import RootPart, RootPaths
from tests.planner.support import supergraph


def _routes(fixture: str, query: str) -> list[tuple[str, tuple[RootPart, ...]]]:
    model = supergraph(fixture)
    operation = normalize_operation(model.api_schema, parse(query), None)
    fields = [s for s in operation.selections if isinstance(s, Field)]
    paths = RootPaths(model, operation, CostModel(model, Budget(None)))
    return [(route.field.response_key, route.parts) for route in paths.routes(fields)]


def test_consecutive_mutations_to_one_subgraph_share_a_root_fetch_and_others_open_new_ones() -> (
    None
):
    query = """
        mutation {
          a: createProduct(name: "x") { id }
          b: deleteProduct(id: "1")
          r: addReview(productId: "1", body: "b") { id }
          c: deleteProduct(id: "2")
        }
    """
    routes = _routes("shop", query)
    assert [(key, [(p.fetch, p.graph) for p in parts]) for key, parts in routes] == [
        ("a", [(0, "products")]),
        ("b", [(0, "products")]),
        ("r", [(1, "reviews")]),
        ("c", [(2, "products")]),
    ]


def test_a_shared_value_root_field_is_split_into_one_root_fetch_per_subgraph() -> None:
    routes = _routes("chain", "{ stats { count capacity } }")
    assert len(routes) == 1
    key, parts = routes[0]
    assert key == "stats"
    assert [
        (p.fetch, p.graph, [s.response_key for s in p.field.selections if isinstance(s, Field)])
        for p in parts
    ] == [
        (0, "catalog", ["count"]),
        (1, "storage", ["capacity"]),
    ]
