"""Locating errors about documents parsed without locations (operation/locate.py)."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    build_schema,
    get_variable_values,
    parse,
    specified_rules,
    validate,
)

from supergraph.operation.locate import locate_errors, variable_locations

SCHEMA = build_schema(
    """
    input Filter { name: String tags: [String!] nested: Filter }
    type Item { id: ID! name(upper: Boolean): String }
    type Query { items(first: Int, filter: Filter): [Item!]! item(id: ID!): Item }
    directive @tag(name: String) on QUERY | VARIABLE_DEFINITION
    """
)

DOCUMENTS = [
    "query Q($a: Int, $b: ID!) { items(first: $a) { id } item(id: $b) { id } }",
    # fragments and other operations first; strings and comments holding `$` and braces
    """fragment F on Item { id name(upper: true) }
    # a comment with $fake: Int and { braces }
    query Other { item(id: "$not {a} variable") { ...F } }
    query Q(
      $a: Int = 3
      # $commented: Int
      $filter: Filter = {name: "{$x}", tags: ["(", ")"], nested: {name: "y"}}
      $b: ID! @tag(name: "$b")
    ) @tag(name: "x") { items(first: $a, filter: $filter) { ...F } item(id: $b) { id } }""",
    "{ items { id } } query Q($a: Int) { items(first: $a) { id } }",
    # a description (graphql-core 3.3 parses them): the definition starts there
    'query Q("""a $block string""" $a: Int = "d" "b" $b: ID!) { items(first: $a) { id } item(id: $b) { id } }',
]


def _operations(document: str) -> list[tuple[int, OperationDefinitionNode]]:
    parsed = parse(document)
    return [
        (index, d)
        for index, d in enumerate(parsed.definitions)
        if isinstance(d, OperationDefinitionNode)
    ]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_variable_locations_are_where_a_located_parse_puts_them(document: str) -> None:
    for index, operation in _operations(document):
        expected = []
        for definition in operation.variable_definitions or ():
            assert definition.loc is not None
            start = definition.loc.start_token
            expected.append((start.line, start.column))
        assert variable_locations(document, index) == tuple(expected)


def test_variable_errors_point_at_their_definitions() -> None:
    document = DOCUMENTS[1]
    index, operation = _operations(document)[-1]
    errors = get_variable_values(SCHEMA, operation.variable_definitions, {"a": "x", "b": None})
    assert isinstance(errors, list) and len(errors) == 2
    located = [[(loc.line, loc.column) for loc in e.locations or ()] for e in errors]
    positions = dict(
        zip(operation.variable_definitions, variable_locations(document, index), strict=True)
    )
    assert located == [
        [positions[operation.variable_definitions[0]]],
        [positions[operation.variable_definitions[2]]],
    ]


@pytest.mark.parametrize(
    "document",
    [
        "{ items { nope } }",
        "query Q($a: Int) {\n  items(first: $b) { id name(upper: 1) }\n}",
        "{ item { id } ...Missing }\nfragment Unused on Item { id }",
        "{ items(filter: {name: 1, extra: true}) { id id: name } }",
    ],
)
def test_errors_located_by_pairing_nodes_match_a_located_validation(document: str) -> None:
    bare = parse(document, no_location=True)
    errors = validate(SCHEMA, bare, specified_rules)
    assert errors and all(e.locations is None for e in errors if e.nodes)
    located = locate_errors(errors, bare, lambda: parse(document))
    expected = validate(SCHEMA, parse(document), specified_rules)
    assert [(e.message, e.locations) for e in located] == [
        (e.message, e.locations) for e in expected
    ]


def test_nothing_is_parsed_again_without_nodes_to_locate() -> None:
    calls = []

    def parse_located() -> object:
        calls.append(1)
        raise AssertionError("not needed")

    bare = parse("{ items { id } }", no_location=True)
    errors = [GraphQLError("about the whole operation")]
    assert locate_errors(errors, bare, parse_located) == errors  # type: ignore[arg-type]
    assert calls == []
