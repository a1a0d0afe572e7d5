"""Entity representations: the specialised builder agrees with the general one."""

from __future__ import annotations

import orjson
import pytest
from graphql import build_schema

from supergraph.executor.representations import (
    RepresentationBuilder,
    build_representation,
    representation_builder,
)
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import RequiresField, RequiresInlineFragment, RequiresSelection
from supergraph.types import JSONObject

# From a schema rather than a subclass: the compiled build (scripts/build_compiled.py)
# makes PossibleTypes a native class, which interpreted classes cannot extend.
TYPES = PossibleTypes(
    build_schema(
        """
        type Query { node: Node }
        interface Node { id: ID }
        type Product implements Node { id: ID upc: String }
        type User implements Node { id: ID }
        """
    )
)

FLAT: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment(
        "Product", (RequiresField("__typename"), RequiresField("upc", alias="key"))
    ),
    RequiresInlineFragment("User", (RequiresField("__typename"), RequiresField("id"))),
)
TOP_LEVEL: tuple[RequiresSelection, ...] = (RequiresField("__typename"), RequiresField("id"))
ABSTRACT: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment("Node", (RequiresField("__typename"), RequiresField("id"))),
)
NESTED: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment(
        "Product",
        (
            RequiresField("__typename"),
            RequiresField("price", selections=(RequiresField("amount"),)),
        ),
    ),
)
# An entity fetch with a part under @include: each fragment is taken whole or not at all.
ALTERNATIVES: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),
    RequiresInlineFragment(
        "Product", (RequiresField("__typename"), RequiresField("upc"), RequiresField("weight"))
    ),
)
NESTED_ALTERNATIVES: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment("Article", (RequiresField("__typename"), RequiresField("id"))),
    RequiresInlineFragment(
        "Article",
        (
            RequiresField("__typename"),
            RequiresField("id"),
            RequiresField("related", selections=(RequiresField("id"),)),
        ),
    ),
)

TOP_LEVEL_NESTED: tuple[RequiresSelection, ...] = (
    RequiresField("__typename"),
    RequiresField("best", selections=(RequiresInlineFragment("Product", (RequiresField("upc"),)),)),
)
MERGED: tuple[RequiresSelection, ...] = (
    RequiresInlineFragment(
        "Product",
        (
            RequiresField("__typename"),
            RequiresField("price", selections=(RequiresField("amount"),)),
        ),
    ),
    RequiresInlineFragment(
        "Node", (RequiresField("price", selections=(RequiresField("currency"),)),)
    ),
)

CASES: list[tuple[tuple[RequiresSelection, ...], JSONObject, JSONObject | None]] = [
    (
        FLAT,
        {"__typename": "Product", "key": "u1", "name": "x"},
        {"__typename": "Product", "upc": "u1"},
    ),
    (FLAT, {"__typename": "User", "id": 7}, {"__typename": "User", "id": 7}),
    (FLAT, {"__typename": "Product", "upc": "u1"}, None),  # the alias is what the data holds
    (FLAT, {"__typename": "Order", "id": "1"}, None),  # no condition applies: no __typename
    (FLAT, {"key": "u1"}, None),
    (FLAT, {"__typename": "Product", "key": None}, {"__typename": "Product", "upc": None}),
    (TOP_LEVEL, {"__typename": "User", "id": "3", "x": 1}, {"__typename": "User", "id": "3"}),
    (TOP_LEVEL, {"id": "3"}, None),
    (ABSTRACT, {"__typename": "User", "id": "3"}, {"__typename": "User", "id": "3"}),
    (ABSTRACT, {"__typename": "Review", "id": "3"}, None),
    (
        NESTED,
        {"__typename": "Product", "price": [{"amount": 1, "currency": "EUR"}]},
        {"__typename": "Product", "price": [{"amount": 1}]},
    ),
    (NESTED, {"__typename": "Product"}, None),
    (
        ALTERNATIVES,
        {"__typename": "Product", "upc": "u1"},
        {"__typename": "Product", "upc": "u1"},
    ),
    (
        ALTERNATIVES,
        {"__typename": "Product", "upc": "u1", "weight": 2},
        {"__typename": "Product", "upc": "u1", "weight": 2},
    ),
    (ALTERNATIVES, {"__typename": "Product", "weight": 2}, None),
    (
        NESTED_ALTERNATIVES,
        {"__typename": "Article", "id": "a1", "title": "x"},
        {"__typename": "Article", "id": "a1"},
    ),
    (
        NESTED_ALTERNATIVES,
        {"__typename": "Article", "id": "a1", "related": [{"id": "a2", "title": "y"}]},
        {"__typename": "Article", "id": "a1", "related": [{"id": "a2"}]},
    ),
    (NESTED_ALTERNATIVES, {"__typename": "Article", "related": []}, None),
    # The general builder: a missing field anywhere below fails its fragment, a scalar
    # where fields were selected is taken as it is, nested fragments select in place,
    # and fragments that both apply merge their objects.
    (NESTED, {"__typename": "Product", "price": [{"amount": 1}, {"currency": "EUR"}]}, None),
    (NESTED, {"__typename": "Product", "price": 5}, {"__typename": "Product", "price": 5}),
    (
        NESTED,
        {"__typename": "Product", "price": {"amount": None}},
        {"__typename": "Product", "price": {"amount": None}},
    ),
    (
        TOP_LEVEL_NESTED,
        {"__typename": "User", "best": {"__typename": "Product", "upc": "1", "id": "p"}},
        {"__typename": "User", "best": {"upc": "1"}},
    ),
    (
        TOP_LEVEL_NESTED,
        {"__typename": "User", "best": {"__typename": "User", "id": "u"}},
        {"__typename": "User", "best": {}},
    ),
    (TOP_LEVEL_NESTED, {"__typename": "User", "best": {"__typename": "Product"}}, None),
    (
        MERGED,
        {"__typename": "Product", "price": {"amount": 1, "currency": "EUR", "tax": 2}},
        {"__typename": "Product", "price": {"amount": 1, "currency": "EUR"}},
    ),
    (
        MERGED,
        {"__typename": "Product", "price": {"amount": 1}},
        {"__typename": "Product", "price": {"amount": 1}},
    ),
    # A fragment that applies but is incomplete no longer hides a complete one.
    (
        (*FLAT, *ABSTRACT),
        {"__typename": "Product", "id": "3"},
        {"__typename": "Product", "id": "3"},
    ),
]


@pytest.mark.parametrize(("requires", "obj", "expected"), CASES)
def test_builder_matches_general_path(
    requires: tuple[RequiresSelection, ...], obj: JSONObject, expected: JSONObject | None
) -> None:
    assert build_representation(obj, requires, TYPES) == expected
    built = representation_builder(requires, TYPES)(obj)
    assert built == expected
    if expected is not None:
        assert built is not None
        assert list(built) == list(expected)  # the key order decides de-duplication


BATCH = [
    {"__typename": "Product", "upc": "1", "id": "p1"},
    {"__typename": "Product", "upc": "2", "id": "p2"},
    {"__typename": "Product", "upc": "1", "id": "p1", "name": "again"},  # a duplicate
    {"__typename": "User", "id": "u1"},
    {"__typename": "User", "id": "p1"},  # a product's id: another representation
    {"__typename": "Product", "id": "p3"},  # no upc
    {"__typename": "Product", "upc": 1, "id": 1},  # not strings: the JSON is the key
    {"__typename": "Product", "upc": 1, "id": 1},
    {"__typename": "Product", "upc": True, "id": True},  # not the same JSON as 1
    {"__typename": "Product", "upc": ["1"], "id": {"a": "1"}},
    {"__typename": "Product", "upc": ["1"], "id": {"a": "1"}},
    {"__typename": "Product", "upc": None, "id": None},
    {"upc": "1", "id": "p1"},  # no typename
    {"__typename": "Product", "upc": "1", "id": "p1"},
]
SINGLE_GROUPS: list[tuple[RequiresSelection, ...]] = [
    (RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),),
    ABSTRACT,
    TOP_LEVEL,
    (RequiresField("__typename"), RequiresField("upc", alias="id")),  # read id, sent as upc
    (RequiresInlineFragment("Product", (RequiresField("upc"),)),),  # no typename: none
]


@pytest.mark.parametrize("requires", SINGLE_GROUPS)
def test_a_batch_keyed_by_values_is_the_batch_keyed_by_json(
    requires: tuple[RequiresSelection, ...],
) -> None:
    """The flat builder's batch de-duplicates by the tuple of string values: the same
    representations, objects and indexes, byte for byte, as keying by their JSON."""
    build = representation_builder(requires, TYPES)
    objects: list[JSONObject] = [dict(obj) for obj in BATCH]
    fast = build.batch(objects, (), TYPES)
    by_json = RepresentationBuilder.batch(build, objects, (), TYPES)
    assert orjson.dumps(fast[0]) == orjson.dumps(by_json[0])
    assert [id(t) for t in fast[1]] == [id(t) for t in by_json[1]]
    assert fast[2] == by_json[2]
    expected = [build_representation(obj, requires, TYPES) for obj in objects]
    assert [fast[0][i] for i in fast[2]] == [r for r in expected if r is not None]


def test_a_batch_keyed_by_values_counts_each_distinct_key_once() -> None:
    build = representation_builder(SINGLE_GROUPS[0], TYPES)
    representations, targets, indexes = build.batch([dict(obj) for obj in BATCH], (), TYPES)
    assert representations == [
        {"__typename": "Product", "upc": "1"},
        {"__typename": "Product", "upc": "2"},
        {"__typename": "Product", "upc": 1},
        {"__typename": "Product", "upc": True},
        {"__typename": "Product", "upc": ["1"]},
        {"__typename": "Product", "upc": None},
    ]
    assert indexes == [0, 1, 0, 2, 2, 3, 4, 4, 5, 0]  # users and the rest left out
    assert len(targets) == len(indexes)
