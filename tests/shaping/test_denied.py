"""Denied fields get their UNAUTHORIZED_FIELD_OR_TYPE error whatever else fails.

The shaper gets the field nodes authorization removed (`denied`). Each gets an
error at each object that has it, in any field order, also when another error
nulls that object (up to `data`); where no object is there (a null or missing
parent), at the path down to it and the response keys below (docs/auth.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, build_schema, parse, visit
from graphql.language import Visitor

from supergraph.executor.shaping import ResponseShaper
from supergraph.types import JSONObject

API = build_schema(
    """
    type Query { user(id: ID!): User  users: [User!]!  mustHave: User!  node: Node }
    interface Node { id: ID! }
    type User implements Node {
      id: ID!
      email: String
      secret: String!
      reviews: [Review!]!
      best: Review!
      friends: [User!]
    }
    type Review implements Node { id: ID! body: String! }
    """
)
DENIED = {"email", "secret"}
UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"


class _Fields(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[FieldNode] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.name.value in DENIED:
            self.found.append(node)


def shape(
    query: str, data: JSONObject, variables: dict[str, Any] | None = None
) -> tuple[Any, list[JSONObject]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fields = _Fields()
    visit(document, fields)
    shaper = ResponseShaper(API, operation, {}, fields.found)
    errors: list[JSONObject] = []
    return shaper.shape(data, variables or {}, errors), errors


def denials(errors: list[JSONObject]) -> list[list[str | int]]:
    return [e["path"] for e in errors if e["extensions"]["code"] == UNAUTHORIZED]


def others(errors: list[JSONObject]) -> list[list[str | int]]:
    return [e["path"] for e in errors if e["extensions"]["code"] != UNAUTHORIZED]


BROKEN_USER = {"user": {"__typename": "User", "id": "1", "reviews": [{"id": "r1", "body": None}]}}


@pytest.mark.parametrize(
    "query",
    [
        '{ user(id: "1") { email reviews { body } } }',
        '{ user(id: "1") { reviews { body } email } }',
    ],
)
def test_in_any_order_when_a_sibling_nulls_the_parent(query: str) -> None:
    data, errors = shape(query, BROKEN_USER)
    assert data == {"user": None}
    assert denials(errors) == [["user", "email"]]
    assert others(errors) == [["user", "reviews", 0, "body"]]


def test_a_denied_non_null_field_first_reports_the_next_ones_too() -> None:
    data, errors = shape(
        '{ user(id: "1") { secret id email } }', {"user": {"__typename": "User", "id": "1"}}
    )
    assert data == {"user": None}
    assert denials(errors) == [["user", "secret"], ["user", "email"]]


def test_when_the_null_reaches_data() -> None:
    data, errors = shape(
        '{ mustHave { best { body } } user(id: "1") { email } }',
        {
            "mustHave": {"__typename": "User", "best": {"body": None}},
            "user": {"__typename": "User"},
        },
    )
    assert data is None
    assert denials(errors) == [["user", "email"]]


def test_below_the_rest_of_a_list_whose_item_nulls_it() -> None:
    query = '{ user(id: "1") { friends { reviews { body } friends { email } } } }'
    friend = {"__typename": "User", "reviews": [], "friends": [{"__typename": "User"}]}
    broken = {"__typename": "User", "reviews": [{"body": None}], "friends": []}
    data, errors = shape(query, {"user": {"friends": [broken, friend, friend]}})
    assert data == {"user": {"friends": None}}
    assert denials(errors) == [
        ["user", "friends", 1, "friends", 0, "email"],
        ["user", "friends", 2, "friends", 0, "email"],
    ]


def test_where_no_object_has_it_at_the_keys_below_the_missing_one() -> None:
    # A failed fetch left `user` out; a null user; the list of an item that failed.
    query = '{ user(id: "1") { email friends { email id } } users { friends { email } } }'
    data, errors = shape(query, {"users": [{"__typename": "User", "friends": None}]})
    assert data == {"user": None, "users": [{"friends": None}]}
    assert denials(errors) == [
        ["user", "email"],
        ["user", "friends", "email"],
        ["users", 0, "friends", "email"],
    ]


def test_skipped_and_excluded_fields_get_none() -> None:
    query = 'query($s: Boolean!) { user(id: "1") { email @skip(if: $s) id } }'
    assert denials(shape(query, {}, {"s": True})[1]) == []
    assert denials(shape(query, {}, {"s": False})[1]) == [["user", "email"]]


def test_an_empty_list_has_no_object_to_have_it() -> None:
    data, errors = shape("{ users { email } }", {"users": []})
    assert data == {"users": []}
    assert errors == []


def test_a_denial_does_not_stand_in_for_a_missing_non_null_field() -> None:
    # The missing `best` has nothing to do with the denied email beside it.
    data, errors = shape(
        '{ user(id: "1") { email best { body } } }', {"user": {"__typename": "User"}}
    )
    assert data == {"user": None}
    assert denials(errors) == [["user", "email"]]
    assert others(errors) == [["user", "best"]]
