"""_Delivery (pipeline/defer.py) on its own: a case the stub subgraphs cannot make."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import build_schema

from supergraph.errors import SUBREQUEST_HTTP_ERROR, graphql_error
from supergraph.executor.execute import ExecutionOutcome
from supergraph.pipeline.defer import _Delivery
from supergraph.pipeline.incremental import CURRENT, Subsequent, subsequent_part
from supergraph.pipeline.incremental import Pending as Announced

SCHEMA = build_schema(
    "type Query { products: [Product] } type Product { upc: ID inStock: Boolean }"
)


def test_objects_of_a_root_field_nulled_after_the_first_part_each_carry_its_error() -> None:
    """A root field split across two fetches: the one serving the first part landed,
    the one serving the fragment failed after it went out and nulled the field
    (null_failed_roots). Each of the fragment's objects under it is null: each item
    carries the error at the root field, which says why (none without, v0.2: errors [])."""
    failed = graphql_error("subgraph down", path=["products"], code=SUBREQUEST_HTTP_ERROR)
    outcome = ExecutionOutcome({"products": None}, [failed])
    fragment: Any = SimpleNamespace(id=1, label="stock", parent=0)
    layout: Any = SimpleNamespace(split=SimpleNamespace(deferred=[]), fragments={1: None})
    delivery = _Delivery(layout, SCHEMA, outcome, {})
    delivery.errors[1] = [failed]
    objects = [Announced(str(i), fragment, ("products", i), "Product") for i in range(3)]
    delivered = delivery.complete(1, objects)
    assert [item.data for item in delivered] == [None, None, None]
    assert [item.errors for item in delivered] == [[failed]] * 3
    part = subsequent_part(CURRENT, Subsequent(delivered, [], False))
    assert part["completed"] == [{"id": str(i), "errors": [failed]} for i in range(3)]
