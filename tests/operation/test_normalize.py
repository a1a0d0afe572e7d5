"""Operation normalisation: fragments expanded, literal conditions resolved, fields merged."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, print_ast

from supergraph.operation import (
    Field,
    InlineFragment,
    Operation,
    OperationError,
    Selection,
    normalize_operation,
)
from supergraph.schema import load_supergraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs"
SCHEMA = load_supergraph(
    (FIXTURES / "abstract" / "supergraph.graphql").read_text(encoding="utf-8")
).api_schema


def _normalize(query: str, name: str | None = None) -> Operation:
    return normalize_operation(SCHEMA, parse(query), name)


def _shape(selections: tuple[Selection, ...]) -> list[object]:
    out: list[object] = []
    for s in selections:
        match s:
            case Field():
                directives = "".join(print_ast(d) for d in s.directives)
                head = f"{s.response_key}{directives}"
                out.append((head, _shape(s.selections)) if s.selections else head)
            case InlineFragment():
                directives = "".join(print_ast(d) for d in s.directives)
                out.append((f"... on {s.type_condition}{directives}", _shape(s.selections)))
    return out


def test_named_fragments_become_typed_inline_fragments() -> None:
    op = _normalize("{ library { ...M } } fragment M on Media { title ... on Book { pages } }")
    assert _shape(op.selections) == [("library", ["title", ("... on Book", ["pages"])])]
    library = op.selections[0]
    assert isinstance(library, Field)
    assert library.type_name == "Media" and library.list_depth == 1


def test_fragment_on_the_same_type_is_spliced_and_fields_merged() -> None:
    op = _normalize("{ library { id ... on Media { id title } } library { title } }")
    assert _shape(op.selections) == [("library", ["id", "title"])]


def test_literal_skip_and_include_are_resolved_variables_kept() -> None:
    op = _normalize(
        "query($v: Boolean!) { library { id @include(if: false) title @skip(if: false)"
        " ... on Book @include(if: $v) { pages } } }"
    )
    assert _shape(op.selections) == [
        ("library", ["title", ("... on Book@include(if: $v)", ["pages"])])
    ]


def test_impossible_fragments_are_dropped() -> None:
    op = _normalize('{ search(term: "a") { ... on Author { ... on Book { pages } name } } }')
    assert _shape(op.selections) == [("search", [("... on Author", ["name"])])]


def test_aliases_are_kept_and_field_args_distinguish() -> None:
    op = _normalize('{ a: search(term: "a") { __typename } b: search(term: "b") { __typename } }')
    assert _shape(op.selections) == [("a", ["__typename"]), ("b", ["__typename"])]


def test_operation_selection_by_name() -> None:
    document = "query A { library { id } } query B { trending { __typename } }"
    assert _normalize(document, "B").name == "B"
    with pytest.raises(OperationError, match="Must provide operation name"):
        _normalize(document)
    with pytest.raises(OperationError, match='Unknown operation named "C"'):
        _normalize(document, "C")


def test_variable_definitions_are_kept() -> None:
    op = _normalize("query Q($t: String!) { search(term: $t) { __typename } }")
    assert [d.variable.name.value for d in op.variable_definitions] == ["t"]
    assert op.kind == "query" and op.root_type == "Query"


def test_field_left_without_subfields_selects_typename() -> None:
    op = _normalize("{ library { id @include(if: false) title @skip(if: true) } }")
    assert _shape(op.selections) == [("library", ["__typename"])]
    library = op.selections[0]
    assert isinstance(library, Field)
    typename = library.selections[0]
    assert isinstance(typename, Field) and typename.parent_type == "Media"


def test_fragment_left_empty_is_dropped() -> None:
    op = _normalize(
        "{ library { title ... on Book { pages @include(if: false) } } "
        "trending { ... on Book @include(if: true) { pages @skip(if: true) } } }"
    )
    assert _shape(op.selections) == [("library", ["title"]), ("trending", ["__typename"])]


def test_variable_conditions_never_empty_a_selection() -> None:
    op = _normalize("query($v: Boolean!) { library { id @include(if: $v) } }")
    assert _shape(op.selections) == [("library", ["id@include(if: $v)"])]


def test_fragment_on_the_parent_type_applies_though_no_object_type_has_it() -> None:
    # Node has no object type (only an @interfaceObject stands for its values):
    # `... on Node` inside a Node still always applies.
    schema = load_supergraph(
        (FIXTURES / "non_resolvable_interface_object" / "supergraph.graphql").read_text("utf-8")
    ).api_schema
    query = "query($a: Boolean!) { pinned { text ... on Node { id } ... on Node @include(if: $a) { id } } }"
    op = normalize_operation(schema, parse(query), None)
    assert _shape(op.selections) == [
        ("pinned", ["text", "id", ("... on Node@include(if: $a)", ["id"])])
    ]
