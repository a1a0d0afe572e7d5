"""@fromContext in the executor: values found up the response path, grouped, aliased, put back."""

from __future__ import annotations

from typing import Any

from graphql import parse

from supergraph.executor.contextual import (
    aliased_operation,
    combined_response,
    context_values,
    contextual_batch,
)
from supergraph.executor.representations import representation_builder
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import Fetch, KeyRenamer, RequiresField, RequiresInlineFragment

TYPES = PossibleTypes()
OPERATION = (
    "query($representations:[_Any!]!,$contextualArgument_1_0:String,$x:Int)"
    "{_entities(representations:$representations){...on Product{price(currency:$contextualArgument_1_0,n:$x)}}}"
)
FETCH = Fetch(
    service_name="pricing",
    operation=OPERATION,
    requires=(
        RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("id"))),
    ),
    context_rewrites=(
        KeyRenamer(("..", "..", "... on Shop", "currency"), "contextualArgument_1_0"),
        KeyRenamer(("..", "..", "... on Outlet", "money"), "contextualArgument_1_0"),
    ),
)


def _data() -> dict[str, Any]:
    p1 = {"__typename": "Product", "id": "p1"}
    return {
        "places": [
            {"__typename": "Shop", "currency": "EUR", "sections": [{"products": [p1, {**p1}]}]},
            {"__typename": "Outlet", "money": "USD", "sections": [{"products": [{**p1}]}]},
            {
                "__typename": "Shop",
                "currency": "EUR",
                "sections": [{"products": [{**p1, "id": "p2"}]}],
            },
        ]
    }


def test_values_come_from_the_first_path_that_matches_the_ancestor() -> None:
    data = _data()
    at = ("places", 1, "sections", 0, "products", 0)
    assert context_values(data, at, FETCH.context_rewrites, TYPES) == {
        "contextualArgument_1_0": "USD"
    }
    # Going up past the root finds nothing: the variable stays unset.
    assert context_values(data, ("places", 0), FETCH.context_rewrites, TYPES) == {}


def test_entities_are_grouped_by_value_and_deduplicated_within_a_group() -> None:
    data = _data()
    build = representation_builder(FETCH.requires or (), TYPES)
    batch = contextual_batch(
        data, FETCH, ("places", "@", "sections", "@", "products", "@"), TYPES, build
    )
    assert batch is not None
    assert batch.variables == {
        "representations_0": [
            {"__typename": "Product", "id": "p1"},
            {"__typename": "Product", "id": "p2"},
        ],
        "contextualArgument_1_0_0": "EUR",
        "representations_1": [{"__typename": "Product", "id": "p1"}],
        "contextualArgument_1_0_1": "USD",
    }
    assert batch.offsets == [0, 2]
    # p1 twice in shop 1 share representation 0; p1 in the outlet is entity 2.
    assert batch.indexes == [0, 0, 2, 1]
    assert len(batch.firsts) == 3


def test_one_group_keeps_the_planned_operation() -> None:
    data = {
        "shop": {
            "__typename": "Shop",
            "currency": "EUR",
            "items": [{"p": {"__typename": "Product", "id": "p1"}}],
        }
    }
    fetch = Fetch(
        service_name="pricing",
        operation=OPERATION,
        requires=FETCH.requires,
        context_rewrites=(
            KeyRenamer(("..", "..", "... on Shop", "currency"), "contextualArgument_1_0"),
        ),
    )
    build = representation_builder(fetch.requires or (), TYPES)
    batch = contextual_batch(data, fetch, ("shop", "items", "@", "p"), TYPES, build)
    assert batch is not None
    assert batch.operation == OPERATION
    assert batch.offsets == []
    assert batch.variables == {
        "contextualArgument_1_0": "EUR",
        "representations": [{"__typename": "Product", "id": "p1"}],
    }


def test_aliased_operation_renames_only_the_contextual_variables() -> None:
    text = aliased_operation(OPERATION, ("contextualArgument_1_0",), 2)
    document = parse(text)
    definition = document.definitions[0]
    names = [v.variable.name.value for v in definition.variable_definitions]  # type: ignore[attr-defined]
    assert names == [
        "representations_0",
        "representations_1",
        "contextualArgument_1_0_0",
        "contextualArgument_1_0_1",
        "x",
    ]
    compact = text.replace(" ", "").replace("\n", "")
    assert "_1:_entities(representations:$representations_1)" in compact
    assert "price(currency:$contextualArgument_1_0_1,n:$x)" in compact


def test_combined_response_puts_entities_and_error_paths_back_in_one_list() -> None:
    data = _data()
    build = representation_builder(FETCH.requires or (), TYPES)
    batch = contextual_batch(
        data, FETCH, ("places", "@", "sections", "@", "products", "@"), TYPES, build
    )
    assert batch is not None
    response = {
        "data": {"_0": [{"price": "1 EUR"}, None], "_1": [{"price": "1 USD"}]},
        "errors": [
            {"message": "no price", "path": ["_0", 1, "price"]},
            {"message": "x", "path": ["_1", 0]},
        ],
    }
    combined = combined_response(response, batch)
    assert combined["data"] == {"_entities": [{"price": "1 EUR"}, None, {"price": "1 USD"}]}
    assert [e["path"] for e in combined["errors"]] == [["_entities", 1, "price"], ["_entities", 2]]


def test_a_missing_alias_leaves_its_entities_null() -> None:
    data = _data()
    build = representation_builder(FETCH.requires or (), TYPES)
    batch = contextual_batch(
        data, FETCH, ("places", "@", "sections", "@", "products", "@"), TYPES, build
    )
    assert batch is not None
    combined = combined_response({"data": {"_1": [{"price": "1 USD"}]}}, batch)
    assert combined["data"] == {"_entities": [None, None, {"price": "1 USD"}]}
