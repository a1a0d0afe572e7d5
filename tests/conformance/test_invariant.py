"""The response-invariant checker (tests/kit/invariant.py) catches what it must, and only that."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema

from tests.kit.invariant import assert_invariant, violations

SCHEMA = build_schema(
    """
    type Query {
      me: User
      mustHave: User!
      users: [User!]!
      search: [Result]
      node: Node
      status: Status
    }
    interface Node { id: ID! related: [User!] }
    type User implements Node { id: ID! name: String! email: String friends: [User!] related: [User!] }
    type Post implements Node { id: ID! title: String! related: [User!] }
    union Result = User | Post
    enum Status { OPEN CLOSED }
    """
)

ERROR = {"message": "boom", "path": ["me", "name"]}


def found(query: str, body: dict[str, Any], variables: dict[str, Any] | None = None) -> list[str]:
    return violations(SCHEMA, query, None, variables, body)


def test_data_null_or_absent_without_errors_is_a_violation() -> None:
    assert found("{ mustHave { id } }", {"data": None}) != []
    assert found("{ mustHave { id } }", {}) != []
    assert found("{ mustHave { id } }", {"data": None, "errors": []}) != []
    assert found("{ mustHave { id } }", {"data": None, "errors": [ERROR]}) == []


def test_a_null_in_a_non_null_position_without_errors_is_a_violation() -> None:
    body = {"data": {"me": {"id": "1", "name": None}}}
    assert found("{ me { id name } }", body) == ["me.name: null where the schema says String!"]
    assert found("{ me { id name } }", {**body, "errors": [ERROR]}) == []


def test_nulls_where_the_schema_allows_them_are_fine() -> None:
    assert found("{ me { id email friends { id } } }", {"data": {"me": None}}) == []
    body = {"data": {"me": {"id": "1", "email": None, "friends": None}, "status": None}}
    assert found("{ me { id email friends { id } } status }", body) == []


def test_a_missing_non_null_field_counts_as_null() -> None:
    assert found("{ me { id name } }", {"data": {"me": {"id": "1"}}}) == [
        "me.name: null where the schema says String!"
    ]


def test_aliases_and_list_items_are_followed() -> None:
    body = {"data": {"people": [{"n": "a"}, {"n": None}, None]}}
    assert found("{ people: users { n: name } }", body) == [
        "people.1.n: null where the schema says String!",
        "people.2: null where the schema says User!",
    ]


def test_skip_and_include_follow_variables_and_their_defaults() -> None:
    query = "query($v: Boolean = true) { me { id name @include(if: $v) email @skip(if: true) } }"
    assert found(query, {"data": {"me": {"id": "1"}}}) != []  # the default includes name
    assert found(query, {"data": {"me": {"id": "1"}}}, {"v": False}) == []


def test_named_and_inline_fragments_are_expanded() -> None:
    query = "{ me { ...F ... on User { id } } } fragment F on User { name }"
    assert found(query, {"data": {"me": {"name": None, "id": "1"}}}) != []
    assert found(query, {"data": {"me": {"name": "a", "id": None}}}) != []
    assert found(query, {"data": {"me": {"name": "a", "id": "1"}}}) == []


@pytest.mark.parametrize(
    ("item", "broken"),
    [
        ({"__typename": "User", "name": None}, True),
        ({"__typename": "User"}, True),  # a User must have its name
        ({"__typename": "Post", "title": "t"}, False),  # the User fragment does not apply
        ({"__typename": "Post", "title": None}, True),
        ({"name": None}, True),  # no __typename: a present null still counts
        ({}, False),  # no __typename: the fragment may not apply
    ],
)
def test_abstract_types_resolve_by_typename(item: dict[str, Any], broken: bool) -> None:
    query = "{ search { ... on User { name } ... on Post { title } } }"
    assert (found(query, {"data": {"search": [item]}}) != []) is broken


def test_interface_fields_and_typename() -> None:
    query = "{ node { __typename id ... on Post { title } } }"
    assert found(query, {"data": {"node": {"__typename": "Post", "id": None, "title": "t"}}}) != []
    assert found(query, {"data": {"node": {"__typename": "User", "id": "1"}}}) == []


def test_what_a_fragment_that_may_not_apply_selects_below_stays_optional() -> None:
    # Without __typename the node may be a User: the Post fragment's `name` is not required.
    query = "{ node { related { id } ... on Post { related { name } } } }"
    assert found(query, {"data": {"node": {"related": [{"id": "1"}]}}}) == []
    post = {"__typename": "Post", "related": [{"id": "1"}]}
    assert found(query, {"data": {"node": post}}) == [
        "node.related.0.name: null where the schema says String!"
    ]
    assert found(query, {"data": {"node": {"related": [{"id": "1", "name": None}]}}}) != []


def test_introspection_fields_are_known() -> None:
    body = {"data": {"__schema": {"queryType": {"name": None}}}}
    assert found("{ __schema { queryType { name } } }", body) == []
    broken = {"data": {"__schema": {"queryType": None}}}
    assert found("{ __schema { queryType { name } } }", broken) != []


def test_assert_invariant_names_the_path() -> None:
    with pytest.raises(AssertionError, match=r"mustHave\.id"):
        assert_invariant(SCHEMA, "{ mustHave { id } }", None, None, {"data": {"mustHave": {}}})
    assert_invariant(SCHEMA, "{ mustHave { id } }", None, None, {"data": {"mustHave": {"id": "1"}}})
