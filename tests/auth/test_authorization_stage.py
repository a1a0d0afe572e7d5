"""The authorization stage on its own: analysis, decision, document filtering, paths."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

from auth import Claims
from auth.requirements import deny_all
from supergraph.authorization import (
    analyze,
    denied_indexes,
    denied_paths,
    guarded_nodes,
    remove_fields,
)
from supergraph.schema import load_supergraph
from tests.auth.graph import supergraph_sdl

SUPERGRAPH = load_supergraph(supergraph_sdl({"accounts": "http://a", "orders": "http://o"}))

QUERY = """
query Q {
  users { id ...Contact orders { id note } }
  search { ... on AuditLog { message } ... on User { name } }
}
fragment Contact on User { email phone }
"""


def _prepare(query: str) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return operation, fragments


def test_analysis_lists_guarded_selections_in_document_order() -> None:
    operation, fragments = _prepare(QUERY)
    requirements = analyze(SUPERGRAPH, operation, fragments)
    guarded = [(g.parent_type, g.name) for g in requirements.fields]
    assert sorted(guarded) == sorted(
        [
            ("User", "orders"),
            ("Order", "note"),
            ("AuditLog", "message"),
            ("User", "email"),
            ("User", "phone"),
        ]
    )
    assert [g.index for g in requirements.fields] == list(range(5))
    assert requirements.policies == frozenset()


async def test_filtered_document_and_paths_for_an_anonymous_caller() -> None:
    document = parse(QUERY)  # the nodes to remove must be this document's own
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    requirements = analyze(SUPERGRAPH, operation, fragments)
    denied = await denied_indexes(requirements, None, deny_all)
    assert denied == frozenset(range(5))
    guarded = guarded_nodes(SUPERGRAPH, operation, fragments)
    assert [node.name.value for node in guarded] == [g.name for g in requirements.fields]
    nodes = [guarded[i] for i in sorted(denied)]
    filtered = print_ast(remove_fields(document, nodes))
    assert filtered == (
        "query Q {\n"
        "  users {\n    id\n    ...Contact\n  }\n"
        "  search {\n    ... on AuditLog {\n      __typename\n    }\n"
        "    ... on User {\n      name\n    }\n  }\n"
        "}\n\n"
        "fragment Contact on User {\n  __typename\n}"
    )
    assert print_ast(document) != filtered  # the cached original is untouched
    assert denied_paths(operation, fragments, nodes) == [
        ["users", "email"],
        ["users", "phone"],
        ["users", "orders"],
        ["search", "message"],
    ]


async def test_scopes_narrow_the_denied_set() -> None:
    operation, fragments = _prepare(QUERY)
    requirements = analyze(SUPERGRAPH, operation, fragments)
    claims = Claims(subject="1", scopes=frozenset({"orders:read", "user:phone"}))
    denied = await denied_indexes(requirements, claims, deny_all)
    assert {requirements.fields[i].name for i in denied} == {"message"}
