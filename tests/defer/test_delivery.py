"""_Delivery (pipeline/defer.py) and the v0.2 writer (pipeline/incremental.py) on
their own: cases the stub subgraphs cannot make."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import build_schema

from supergraph.errors import SUBREQUEST_HTTP_ERROR, graphql_error
from supergraph.executor.execute import ExecutionOutcome
from supergraph.pipeline.defer import _Delivery
from supergraph.pipeline.incremental import (
    CURRENT,
    Delivered,
    Subsequent,
    subsequent_part,
    unsent,
)
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


def test_unsent_leaves_out_what_the_client_holds_and_goes_down_to_new_fields() -> None:
    held = {"name": "P", "reviews": [{"stars": 1}, {"stars": 2}], "owner": None}
    data = {
        "name": "P",
        "price": 3,
        "reviews": [{"stars": 1, "body": "a"}, {"stars": 2}],
        "owner": {"id": "u1"},  # held as null: nothing under it is sent
    }
    assert unsent(held, data) == [((), {"price": 3}), (("reviews", 0), {"body": "a"})]
    assert unsent(held, {"name": "P"}) == []
    assert unsent(None, data) == [((), data)]


def test_v02_entries_carry_their_errors_and_an_all_sent_object_its_own() -> None:
    """An error goes in the entry nearest its path; an object whose fields the client
    holds but whose error it does not gets one entry for it."""
    fragment: Any = SimpleNamespace(id=1, label=None, parent=0)
    at = Announced("0", fragment, ("product",), "Product")
    deep = graphql_error("no body", path=["product", "reviews", 0, "body"])
    top = graphql_error("no price", path=["product", "price"])
    fresh = [((), {"price": None}), (("reviews", 0), {"body": None})]
    done = Delivered(at, {"price": None}, [deep, top], fresh, [deep, top])
    part = subsequent_part(CURRENT, Subsequent([done], [], False))
    assert part["incremental"] == [
        {"id": "0", "data": {"price": None}, "errors": [top]},
        {"id": "0", "subPath": ["reviews", 0], "data": {"body": None}, "errors": [deep]},
    ]
    sent_before = Delivered(at, {"price": 1}, [top], [], [top])
    part = subsequent_part(CURRENT, Subsequent([sent_before], [], False))
    assert part["incremental"] == [{"id": "0", "data": {}, "errors": [top]}]
    assert part["completed"] == [{"id": "0"}]
    repeated = Delivered(at, {"price": 1}, [top], [], [])  # `top` went out before
    assert "incremental" not in subsequent_part(CURRENT, Subsequent([repeated], [], False))
