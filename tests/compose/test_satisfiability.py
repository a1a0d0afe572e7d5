"""Satisfiability errors show the query that cannot be planned and why, subgraph by subgraph."""

from __future__ import annotations

from pathlib import Path

from supergraph.compose import SubgraphSource, compose

from .cases import CASES_DIR, load_case


def _messages(case: str) -> list[str]:
    result = compose(load_case(Path(CASES_DIR / f"{case}.graphql")).subgraphs)
    assert result.supergraph_sdl is None
    return [f"{e.code}: {e.message}" for e in result.errors]


def test_value_type_field_only_one_subgraph_resolves() -> None:
    assert _messages("error_unsatisfiable_value_type") == [
        "SATISFIABILITY_ERROR: The following supergraph API query:\n"
        "{\n"
        "  a {\n"
        "    h\n"
        "  }\n"
        "}\n"
        "cannot be satisfied by the subgraphs because:\n"
        '- from subgraph "a": cannot find field "Box.h".\n'
        '- cannot move to subgraph "b", which has field "Box.h": type "Box" has no resolvable '
        '@key in subgraph "b".\n'
        'To fix it, add a @key to "Box" in "b" whose fields the subgraphs above resolve, or '
        'resolve "Box.h" (marked @shareable) in one of them.'
    ]


def test_key_fields_the_holder_cannot_resolve() -> None:
    assert _messages("error_type_level_external_key") == [
        "SATISFIABILITY_ERROR: The following supergraph API query:\n"
        "{\n"
        "  t {\n"
        "    id\n"
        "  }\n"
        "}\n"
        "cannot be satisfied by the subgraphs because:\n"
        '- from subgraph "a": field "T.id" is not resolvable because marked @external.\n'
        '- cannot move to subgraph "b" using @key(fields: "id") of "T", the key field(s) cannot '
        'be resolved from subgraph "a".\n'
        'To fix it, add a @key to "T" in "b" whose fields the subgraphs above resolve, or '
        'resolve "T.id" (marked @shareable) in one of them.'
    ]


def test_one_error_per_field_even_on_many_paths() -> None:
    header = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'
    result = compose(
        [
            SubgraphSource(
                "a",
                "http://a",
                header + "type Query { me: User others: [User] } type User { id: ID! @shareable }",
            ),
            SubgraphSource(
                "b",
                "http://b",
                header + 'type User @key(fields: "uid") { uid: ID! id: ID! @shareable age: Int }',
            ),
        ]
    )
    # Two fields b alone resolves, reachable on two paths (me, others): two errors.
    assert [e.code for e in result.errors] == ["SATISFIABILITY_ERROR"] * 2
    assert 'cannot find field "User.uid"' in result.errors[0].message
    assert 'cannot find field "User.age"' in result.errors[1].message
    assert "  me {\n    age\n" in result.errors[1].message
