"""Errors outside the differential cases (the reference crashes or reports no code for these)."""

from __future__ import annotations

from supergraph.compose import SubgraphSource, compose


def _errors(*sources: tuple[str, str]) -> list[str]:
    result = compose([SubgraphSource(name, f"http://{name}/graphql", sdl) for name, sdl in sources])
    assert result.supergraph_sdl is None
    return [f"{e.code}: {e.message}" for e in result.errors]


def test_invalid_link_import() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", union])\n'
        "type Query { a: Int }"
    )
    assert _errors(("a", sdl)) == [
        'INVALID_LINK_DIRECTIVE_USAGE: [a] Invalid import union in @link(url: "https://specs.apollo.dev/federation/v2.3"): '
        'list strings like "@key", or objects like {name: "@key", as: "@myKey"}'
    ]


def test_duplicate_subgraph_names() -> None:
    assert _errors(("a", "type Query { a: Int }"), ("a", "type Query { b: Int }")) == [
        'DUPLICATE_SUBGRAPH_NAME: Subgraph name "a" is used more than once: give each subgraph its own name'
    ]


def test_no_subgraphs() -> None:
    assert _errors() == ["NO_SUBGRAPHS: No subgraphs to compose: list at least one"]


def test_syntax_error_names_the_subgraph() -> None:
    assert _errors(("a", "type Query { a: }")) == [
        "INVALID_GRAPHQL: [a] The SDL does not parse: Syntax Error: Expected Name, found '}'."
    ]
