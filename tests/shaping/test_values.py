"""Shaping checks every subgraph value against its type (the router's value completion)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, build_schema, parse

from supergraph.executor.shaping import ResponseShaper
from supergraph.types import JSONObject

API = build_schema(
    """
    scalar JSON
    enum Tier { GOLD SILVER }
    interface Named { name: String }
    type Query {
      s: String  b: Boolean  i: Int  f: Float  id: ID  j: JSON  t: Tier
      strings: [String]  ints: [Int!]  jsons: [JSON!]  tiers: [Tier]
      named: Named  item: Item  items: [Item!]
      mustString: String!
    }
    type Item implements Named { name: String count: Int! }
    type Hidden implements Named { name: String }
    """
)
VALIDATION = "RESPONSE_VALIDATION_FAILED"


def shape(query: str, data: JSONObject) -> tuple[Any, list[JSONObject]]:
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    errors: list[JSONObject] = []
    return ResponseShaper(API, operation, {}).shape(data, {}, errors), errors


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("s", "text", "text"),
        ("s", "", ""),
        ("b", True, True),
        ("b", False, False),
        ("i", 0, 0),
        ("i", -(2**31), -(2**31)),
        ("i", 2**31 - 1, 2**31 - 1),
        ("i", 7.0, 7),
        ("f", 1.5, 1.5),
        ("f", 2, 2),
        ("f", 10**20, 10**20),
        ("id", "a1", "a1"),
        ("id", 42, "42"),
        ("id", 42.0, "42"),
        ("j", {"any": [1, None]}, {"any": [1, None]}),
        ("j", False, False),
        ("t", "GOLD", "GOLD"),
    ],
)
def test_valid_values_are_served(field: str, value: object, shown: object) -> None:
    result, errors = shape(f"{{ {field} }}", {field: value})
    assert errors == []
    assert result == {field: shown}
    assert type(result[field]) is type(shown)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("s", 5, "String cannot represent value: 5"),
        ("s", True, "String cannot represent value: true"),
        ("s", ["a"], 'String cannot represent value: ["a"]'),
        ("b", "yes", 'Boolean cannot represent a non boolean value: "yes"'),
        ("b", 1, "Boolean cannot represent a non boolean value: 1"),
        ("b", {"x": 1}, 'Boolean cannot represent a non boolean value: {"x":1}'),
        ("i", "5", 'Int cannot represent non-integer value: "5"'),
        ("i", 1.5, "Int cannot represent non-integer value: 1.5"),
        ("i", True, "Int cannot represent non-integer value: true"),
        ("i", 2**31, "Int cannot represent non 32-bit signed integer value: 2147483648"),
        ("i", -(2**31) - 1, "Int cannot represent non 32-bit signed integer value: -2147483649"),
        ("i", 1e10, "Int cannot represent non 32-bit signed integer value: 10000000000.0"),
        ("f", "1.5", 'Float cannot represent non numeric value: "1.5"'),
        ("f", False, "Float cannot represent non numeric value: false"),
        ("id", True, "ID cannot represent value: true"),
        ("id", 1.5, "ID cannot represent value: 1.5"),
        ("id", [1], "ID cannot represent value: [1]"),
        ("t", "BRONZE", 'Enum "Tier" cannot represent value: "BRONZE"'),
        ("t", 1, 'Enum "Tier" cannot represent value: 1'),
    ],
)
def test_invalid_values_are_null_with_an_error_at_their_path(
    field: str, value: object, message: str
) -> None:
    result, errors = shape(f"{{ {field} }}", {field: value})
    assert result == {field: None}
    assert errors == [{"message": message, "path": [field], "extensions": {"code": VALIDATION}}]


def test_a_long_invalid_value_is_shown_cut_short() -> None:
    result, errors = shape("{ t }", {"t": "x" * 500})
    assert result == {"t": None}
    assert len(errors[0]["message"]) < 150
    assert errors[0]["message"].endswith("...")


def test_an_invalid_value_in_a_non_null_position_propagates_with_one_error() -> None:
    result, errors = shape("{ mustString s }", {"mustString": 5, "s": "kept"})
    assert result is None
    assert [(e["path"], e["message"]) for e in errors] == [
        (["mustString"], "String cannot represent value: 5")
    ]


@pytest.mark.parametrize(
    ("field", "value", "shown", "paths"),
    [
        ("strings", ["a", None, "c"], ["a", None, "c"], []),
        ("strings", [], [], []),
        ("strings", ["a", 5, True], ["a", None, None], [["strings", 1], ["strings", 2]]),
        ("strings", "a", None, [["strings"]]),
        ("ints", [1, 2, 2**31 - 1], [1, 2, 2**31 - 1], []),
        ("ints", [1, 2**31], None, [["ints", 1]]),
        ("ints", [1, None], None, [["ints", 1]]),
        ("ints", [1, 2.0], [1, 2], []),
        ("jsons", [{"a": 1}, "x", 3], [{"a": 1}, "x", 3], []),
        ("jsons", [{"a": 1}, None], None, [["jsons", 1]]),
        ("tiers", ["GOLD", "NOPE"], ["GOLD", None], [["tiers", 1]]),
    ],
)
def test_lists_of_leaves_are_checked_item_by_item(
    field: str, value: object, shown: object, paths: list[list[object]]
) -> None:
    result, errors = shape(f"{{ {field} }}", {field: value})
    assert result == {field: shown}
    assert [e["path"] for e in errors] == paths
    assert all(e["extensions"]["code"] == VALIDATION for e in errors)


def test_objects_lists_and_abstract_types_must_be_what_the_schema_says() -> None:
    result, errors = shape("{ item { name } }", {"item": ["not", "an", "object"]})
    assert result == {"item": None}
    assert errors[0]["path"] == ["item"]
    result, errors = shape("{ items { name } }", {"items": {"name": "not a list"}})
    assert result == {"items": None}
    assert errors[0]["message"] == 'Expected a list, got {"name":"not a list"}'
    # A type the API schema does not have (or hides) is no runtime type of Named.
    result, errors = shape("{ named { name } }", {"named": {"__typename": "Secret", "name": "x"}})
    assert result == {"named": None}
    assert errors == [
        {
            "message": 'Abstract type "Named" cannot be of type "Secret"',
            "path": ["named"],
            "extensions": {"code": VALIDATION},
        }
    ]
    result, errors = shape("{ named { name } }", {"named": {"__typename": "Item", "name": "x"}})
    assert (result, errors) == ({"named": {"name": "x"}}, [])


def test_a_missing_non_null_field_in_a_list_item_gets_one_error_and_propagates() -> None:
    data = {"items": [{"name": "a", "count": 1}, {"name": "b"}]}
    result, errors = shape("{ items { name count } }", data)
    assert result == {"items": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Item.count.",
            "path": ["items", 1, "count"],
            "extensions": {"code": VALIDATION},
        }
    ]
