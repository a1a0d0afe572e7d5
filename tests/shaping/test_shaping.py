"""Response shaping: merged data -> exactly the client's selection set."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, build_schema, parse
from graphql.language import FragmentDefinitionNode

from supergraph.executor.introspection import Introspection, IntrospectionCache
from supergraph.executor.shaping import ResponseShaper, SchemaShapes, ShapingOverBudget
from supergraph.types import JSONObject

API = build_schema(
    """
    type Query {
      me: User
      user(id: ID!): User!
      node(id: ID!): Node
      nodes: [Node!]
      search: [Result]
      status: Status
      mustHave: User!
    }
    interface Node { id: ID! }
    type User implements Node { id: ID! name: String! email: String friends: [User!]! }
    type Post implements Node { id: ID! title: String }
    union Result = User | Post
    enum Status { OPEN CLOSED }
    """
)


def shape(
    query: str, data: JSONObject, variables: dict[str, Any] | None = None
) -> tuple[Any, list[JSONObject]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    shaper = ResponseShaper(API, operation, fragments)
    errors: list[JSONObject] = []
    introspection = Introspection.prepare(API, operation, fragments)
    intro_data = (
        introspection.run(IntrospectionCache(), variables or {}, errors)[0]
        if introspection
        else None
    )
    result = shaper.shape(data, variables or {}, errors, intro_data)
    return result, errors


def test_only_selected_fields_in_selection_order_with_aliases() -> None:
    data = {"me": {"__typename": "User", "id": "1", "n": "Ada", "email": "a@x", "secret": 1}}
    result, errors = shape("{ me { n: name id } }", data)
    assert result == {"me": {"n": "Ada", "id": "1"}}
    assert list(result["me"]) == ["n", "id"]
    assert errors == []


def test_fragments_apply_by_runtime_typename() -> None:
    data = {
        "search": [
            {"__typename": "User", "id": "1", "name": "Ada"},
            {"__typename": "Post", "id": "2", "title": "Hi"},
        ]
    }
    query = """
    { search { __typename ... on Node { id } ... on Post { title } ...U } }
    fragment U on User { name }
    """
    result, _ = shape(query, data)
    assert result == {
        "search": [
            {"__typename": "User", "id": "1", "name": "Ada"},
            {"__typename": "Post", "id": "2", "title": "Hi"},
        ]
    }


def test_fields_merge_across_fragments() -> None:
    data = {"me": {"__typename": "User", "id": "1", "name": "Ada", "email": "e"}}
    result, _ = shape("{ me { id ... on User { name id } ... { email } } }", data)
    assert result == {"me": {"id": "1", "name": "Ada", "email": "e"}}


def test_typename_is_not_leaked_unless_selected() -> None:
    result, _ = shape("{ node(id: 1) { id } }", {"node": {"__typename": "Post", "id": "2"}})
    assert result == {"node": {"id": "2"}}


def test_root_typename() -> None:
    result, _ = shape("{ __typename t: __typename }", {})
    assert result == {"__typename": "Query", "t": "Query"}


def test_null_non_null_field_propagates_to_nullable_parent() -> None:
    result, errors = shape("{ me { id name } }", {"me": {"id": "1", "name": None}})
    assert result == {"me": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field User.name.",
            "path": ["me", "name"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        }
    ]


def test_propagation_through_non_null_list_items() -> None:
    data = {
        "nodes": [
            {"__typename": "User", "id": "1", "name": "a"},
            {"__typename": "User", "id": None},
        ]
    }
    result, errors = shape("{ nodes { id } }", data)
    assert result == {"nodes": None}
    assert [e["path"] for e in errors] == [["nodes", 1, "id"]]


def test_propagation_to_root_nulls_data() -> None:
    result, errors = shape("{ mustHave { id } }", {"mustHave": None})
    assert result is None
    assert errors[0]["path"] == ["mustHave"]


def test_missing_non_null_field_gets_an_error_where_none_explains_it() -> None:
    # E.g. its entity was unknown to the subgraph: the null must still carry an error.
    result, errors = shape("{ me { id name } }", {"me": {"id": "1"}})
    assert result == {"me": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field User.name.",
            "path": ["me", "name"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        }
    ]


@pytest.mark.parametrize(
    "explaining",
    [["me"], ["me", "name"], ["me", "name", "first"]],
    ids=["ancestor", "same-path", "descendant"],
)
def test_missing_non_null_field_explained_by_an_error_gets_no_second_one(
    explaining: list[str],
) -> None:
    # The fetch that should have provided it failed and said so at the object, the field or below.
    document = parse("{ me { id name } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    errors: list[JSONObject] = [{"message": "fetch failed", "path": explaining}]
    result = ResponseShaper(API, operation, {}).shape({"me": {"id": "1"}}, {}, errors)
    assert result == {"me": None}
    assert errors == [{"message": "fetch failed", "path": explaining}]


def test_an_error_elsewhere_or_without_a_path_does_not_explain_a_null() -> None:
    document = parse("{ me { id name } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    errors: list[JSONObject] = [
        {"message": "no path"},
        {"message": "another object", "path": ["mustHave", "name"]},
        {"message": "odd path", "path": [{"x": 1}]},
    ]
    result = ResponseShaper(API, operation, {}).shape({"me": {"id": "1"}}, {}, errors)
    assert result == {"me": None}
    assert [e.get("path") for e in errors[3:]] == [["me", "name"]]


def test_an_error_in_the_same_object_explains_a_missing_field_not_a_null() -> None:
    # A subgraph that fails one non-null field of an entity drops the whole entity:
    # its other fields go missing for that reason, with the error at the sibling.
    document = parse("{ me { name id } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shaper = ResponseShaper(API, operation, {})
    errors: list[JSONObject] = [{"message": "id failed", "path": ["me", "id"]}]
    assert shaper.shape({"me": {}}, {}, errors) == {"me": None}
    assert len(errors) == 1
    # A null the subgraph sent for `name` itself is not what the sibling's error explains.
    errors = [{"message": "id failed", "path": ["me", "id"]}]
    assert shaper.shape({"me": {"name": None}}, {}, errors) == {"me": None}
    assert [e.get("path") for e in errors] == [["me", "id"], ["me", "name"]]


def test_an_error_at_a_root_field_explains_another_missing_root_field() -> None:
    # A subgraph that fails a non-null root field answers `data: null`: the other root
    # fields it was asked for go missing with it and need no error of their own.
    document = parse("{ mustHave { id } me { id } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shaper = ResponseShaper(API, operation, {})
    errors: list[JSONObject] = [{"message": "me failed", "path": ["me"]}]
    assert shaper.shape({}, {}, errors) is None
    assert [e.get("path") for e in errors] == [["me"]]
    # A root field the data holds as null is not what a sibling's error explains.
    errors = [{"message": "me failed", "path": ["me"]}]
    assert shaper.shape({"mustHave": None}, {}, errors) is None
    assert [e.get("path") for e in errors] == [["me"], ["mustHave"]]


def test_unknown_enum_value_becomes_null_with_error() -> None:
    result, errors = shape("{ status }", {"status": "SECRET"})
    assert result == {"status": None}
    assert errors == [
        {
            "message": 'Enum "Status" cannot represent value: "SECRET"',
            "path": ["status"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        }
    ]
    assert shape("{ status }", {"status": "OPEN"})[0] == {"status": "OPEN"}


def test_skip_and_include_with_variables() -> None:
    data = {"me": {"id": "1", "name": "Ada"}}
    query = "query($s: Boolean!) { me { id @skip(if: $s) name @include(if: $s) } }"
    assert shape(query, data, {"s": True})[0] == {"me": {"name": "Ada"}}
    assert shape(query, data, {"s": False})[0] == {"me": {"id": "1"}}


def test_abstract_type_with_unknown_typename_is_null() -> None:
    result, _ = shape("{ node(id: 1) { id } }", {"node": {"__typename": "Hidden", "id": "2"}})
    assert result == {"node": None}


def test_nested_lists_and_aliases_of_same_field() -> None:
    data = {"me": {"id": "1", "name": "x", "a": [{"name": "b"}], "c": [{"id": "9"}]}}
    result, _ = shape("{ me { a: friends { name } c: friends { id } } }", data)
    assert result == {"me": {"a": [{"name": "b"}], "c": [{"id": "9"}]}}


def test_introspection_is_answered_from_the_api_schema() -> None:
    query = """
    { __schema { queryType { name } } t: __type(name: "Status") { enumValues { name } } ...F me { id } }
    fragment F on Query { __typename }
    """
    result, errors = shape(query, {"me": {"id": "1"}})
    assert errors == []
    assert result == {
        "__schema": {"queryType": {"name": "Query"}},
        "t": {"enumValues": [{"name": "OPEN"}, {"name": "CLOSED"}]},
        "__typename": "Query",
        "me": {"id": "1"},
    }


def test_interface_without_typename_shapes_interface_fields() -> None:
    # An @interfaceObject subgraph knows only the interface: no concrete __typename.
    data = {"nodes": [{"id": "1"}, {"__typename": "Node", "id": "2"}]}
    result, errors = shape("{ nodes { id ... on Node { id } ... on User { name } } }", data)
    assert result == {"nodes": [{"id": "1"}, {"id": "2"}]}
    assert errors == []


def test_interface_typename_the_subgraphs_did_not_resolve_is_an_error() -> None:
    # The lookup of the object type failed: "Node" is no answer to `__typename`,
    # under any alias, and the object is null (an error at its path).
    data = {"nodes": [{"__typename": "User", "id": "1"}, {"__typename": "Node", "id": "2"}]}
    for selected in ("__typename", "t: __typename", "... on Node { t: __typename }"):
        result, errors = shape(f"{{ nodes {{ id {selected} }} }}", data)
        assert result == {"nodes": None}, selected
        assert [e["path"] for e in errors] == [["nodes", 1]], selected
        assert 'Abstract type "Node" must resolve to an Object type' in errors[0]["message"]


def test_unresolved_interface_typename_explained_by_an_error_gets_no_second_one() -> None:
    data = {"node": {"__typename": "Node", "id": "2"}}
    explained = [{"message": "lookup failed", "path": ["node", "name"]}]
    query = "{ node(id: 2) { t: __typename } }"
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    errors: list[JSONObject] = list(explained)
    result = ResponseShaper(API, operation, {}).shape(data, {}, errors)
    assert result == {"node": None}
    assert errors == explained


def test_unresolved_interface_typename_not_selected_is_no_error() -> None:
    data = {"node": {"__typename": "Node", "id": "2"}}
    query = "query($t: Boolean!) { node(id: 2) { id t: __typename @include(if: $t) } }"
    assert shape(query, data, {"t": False}) == ({"node": {"id": "2"}}, [])
    result, errors = shape(query, data, {"t": True})
    assert result == {"node": None}
    assert [e["path"] for e in errors] == [["node"]]


def test_union_without_typename_is_null() -> None:
    result, _ = shape("{ search { ... on User { id } } }", {"search": [{"id": "1"}]})
    assert result == {"search": [None]}


def test_selection_with_every_subfield_skipped_is_an_empty_object() -> None:
    # The planner sent `__typename` for these fields; the client selected nothing.
    data = {"me": {"__typename": "User"}, "node": {"__typename": "Post"}}
    result, errors = shape(
        "query($on: Boolean!) { me { name @include(if: false) } "
        "node(id: 1) { ... on Post { title @include(if: $on) } } }",
        data,
        {"on": False},
    )
    assert result == {"me": {}, "node": {}}
    assert errors == []


def test_null_in_a_list_of_concrete_objects_nulls_up_to_the_nullable_parent() -> None:
    data = {
        "me": {
            "friends": [
                {"id": "2", "name": "b", "friends": []},
                {"id": "3", "name": None, "friends": []},
            ]
        }
    }
    result, errors = shape("{ me { friends { id name friends { id } } } }", data)
    assert result == {"me": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field User.name.",
            "path": ["me", "friends", 1, "name"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        }
    ]


def test_concrete_objects_and_lists_shape_in_selection_order() -> None:
    data = {
        "user": {
            "friends": [{"name": "b", "id": "2", "email": None, "x": 1}],
            "id": "1",
            "__typename": "User",
        }
    }
    query = '{ user(id: "1") { id friends { id name email } } }'
    result, errors = shape(query, data)
    assert result == {"user": {"id": "1", "friends": [{"id": "2", "name": "b", "email": None}]}}
    assert list(result["user"]) == ["id", "friends"]
    assert errors == []


def test_a_value_of_the_wrong_kind_where_an_object_is_expected_is_null_with_an_error() -> None:
    result, errors = shape("{ me { id friends { id } } }", {"me": {"id": "1", "friends": ["x"]}})
    assert result == {"me": None}
    assert [(e["path"], e["extensions"]["code"]) for e in errors] == [
        (["me", "friends", 0], "RESPONSE_VALIDATION_FAILED")
    ]
    result, errors = shape("{ me { id } }", {"me": "not an object"})
    assert result == {"me": None}
    assert errors == [
        {
            "message": 'Expected an object of type "User", got "not an object"',
            "path": ["me"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        }
    ]


def test_one_shaper_serves_other_condition_values_and_runtime_types() -> None:
    # Collected fields are cached per (condition values, runtime type): each must get its own.
    query = """
    query($s: Boolean!) { search { ...R } me { id @skip(if: $s) name } }
    fragment R on Result { ... on User { id name @include(if: $s) } ... on Post { title } }
    """
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    shared = SchemaShapes(API)
    shaper = ResponseShaper(API, operation, fragments, shared=shared)
    data = {
        "search": [
            {"__typename": "User", "id": "1", "name": "Ada"},
            {"__typename": "Post", "title": "Hi"},
        ],
        "me": {"id": "1", "name": "Ada"},
    }
    for _ in range(2):
        for skip in (True, False):
            expected_user = {"id": "1", "name": "Ada"} if skip else {"id": "1"}
            expected_me = {"name": "Ada"} if skip else {"id": "1", "name": "Ada"}
            assert shaper.shape(data, {"s": skip}, []) == {
                "search": [expected_user, {"title": "Hi"}],
                "me": expected_me,
            }
    me = parse("{ me { id name } }").definitions[0]
    assert isinstance(me, OperationDefinitionNode)
    other = ResponseShaper(API, me, {}, shared=shared)
    assert other.shape(data, {}, []) == {"me": {"id": "1", "name": "Ada"}}
    assert set(shared.leaves) == {"id", "name", "title"}  # one leaf selection per name
    with pytest.raises(ValueError):
        ResponseShaper(build_schema("type Query { a: Int }"), operation, fragments, shared=shared)


def _shaper(query: str) -> ResponseShaper:
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return ResponseShaper(API, operation, {})


def test_a_budgeted_run_stops_past_its_budget_and_leaves_the_errors_as_they_were() -> None:
    shaper = _shaper("{ me { id name friends { id name } } }")
    assert shaper.work == 6  # before any run: the operation's own fields
    friends = [{"id": str(n), "name": f"F{n}"} for n in range(40)]
    data = {"me": {"id": "1", "name": "Ada", "friends": friends}}
    errors: list[JSONObject] = [{"message": "from a subgraph"}]
    # Work counts fields completed: 1 (me) + 3 (id, name, friends) + 2 per friend.
    with pytest.raises(ShapingOverBudget):
        shaper.shape(data, {}, errors, budget=20)
    assert errors == [{"message": "from a subgraph"}]
    # It stopped at the first object that passed the budget: at most one object's
    # fields beyond it, never the whole response.
    assert 20 < shaper.work <= 20 + 3
    shaped = shaper.shape(data, {}, errors, budget=1 + 3 + 2 * 40)
    assert shaped is not None and len(shaped["me"]["friends"]) == 40
    assert shaper.work == 1 + 3 + 2 * 40
    # The largest work seen is kept: a smaller run does not lower it.
    shaper.shape({"me": {"id": "1", "name": "Ada", "friends": []}}, {}, [])
    assert shaper.work == 1 + 3 + 2 * 40


def test_a_new_operation_reuses_the_schemas_leaf_entries_and_merges_repeated_fields() -> None:
    """Collection's common case (a field selected once, allowed) and the general one
    (selected twice: merged) in one operation; unaliased leaves are the schema's
    shared entries, so a new operation adds entries only for its other fields."""
    query = "{ me { id n: name friends { id } friends { name } } }"
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    shared = SchemaShapes(API)
    data = {"me": {"id": "1", "n": "Ada", "friends": [{"id": "2", "name": "Bo"}]}}
    shapers = [ResponseShaper(API, operation, {}, shared=shared) for _ in range(2)]
    for shaper in shapers:
        errors: list[JSONObject] = []
        result = shaper.shape(data, {}, errors)
        assert result == {"me": {"id": "1", "n": "Ada", "friends": [{"id": "2", "name": "Bo"}]}}
        assert errors == []
    first, second = ([e.group for e in s._root.entries] for s in shapers)
    assert first[0] is not None and second[0] is not None
    me_first, me_second = first[0].entries, second[0].entries
    assert [e.response_name for e in me_first] == ["id", "n", "friends"]
    assert me_first[0] is me_second[0]  # `id`: the shared leaf entry
    assert me_first[1] is not me_second[1]  # `n: name`: aliased, the operation's own
    friends = me_first[2].group
    assert friends is not None and len(friends.selection_sets) == 2  # merged
