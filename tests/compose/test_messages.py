"""Errors outside the differential cases (the reference crashes or reports no code for these)."""

from __future__ import annotations

import re
from pathlib import Path

import supergraph.compose as package
from supergraph.compose import SubgraphSource, compose
from supergraph.compose.errors import HINTS


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


def test_a_supergraph_the_router_cannot_load_is_an_error() -> None:
    """The printed supergraph is loaded as the router loads it: one it refuses is not handed out."""
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@composeDirective"])\n'
        '  @link(url: "https://x.dev/m", import: ["@m"]) @composeDirective(name: "@m")\n'
        "directive @m on FIELD_DEFINITION\n"
        "type Query { a: Int @m }"
    )
    assert _errors(("a", sdl)) == [
        "INVALID_GRAPHQL: The composed supergraph does not load in the router: "
        "unrecognised spec URL in @link: 'https://x.dev/m'"
    ]


def test_every_reported_code_is_actionable() -> None:
    """Each code either says what to change in its message or has a hint."""
    source = "\n".join(p.read_text() for p in Path(package.__file__).parent.rglob("*.py"))
    codes = set(re.findall(r'CompositionError\(\s*"([A-Z_]+)"', source))
    # Codes whose messages already end with what to do.
    self_explaining = {
        "KEY_INVALID_FIELDS",
        "REQUIRES_INVALID_FIELDS",
        "PROVIDES_INVALID_FIELDS",
        "EXTERNAL_UNUSED",
        "INVALID_FIELD_SHARING",
        "OVERRIDE_SOURCE_NOT_FOUND",
        "SATISFIABILITY_ERROR",
        "DUPLICATE_SUBGRAPH_NAME",
        "INVALID_SUBGRAPH_NAME",
        "NO_SUBGRAPHS",
        "INVALID_LINK_DIRECTIVE_USAGE",
        "REQUIRES_FIELDS_MISSING_EXTERNAL",
        "PROVIDES_FIELDS_MISSING_EXTERNAL",
        "KEY_FIELDS_HAS_ARGS",
        "KEY_FIELDS_SELECT_INVALID_TYPE",
        "OVERRIDE_FROM_SELF_ERROR",
        "OVERRIDE_SOURCE_HAS_OVERRIDE",
        "OVERRIDE_ON_INTERFACE",
        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
    }
    missing = sorted(codes - set(HINTS) - self_explaining)
    assert not missing, f"add a hint in supergraph/compose/errors.py for {missing}"
