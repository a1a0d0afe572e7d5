"""`@context` / `@fromContext` (federation 2.8) are refused: this composer does not carry them.

Without this rule they were dropped silently: the supergraph then offered the
contextual argument to clients and never passed the ancestor's value. The
router plans and executes them from a supergraph composed by Apollo.
"""

from __future__ import annotations

from graphql import DirectiveNode, DocumentNode, Visitor, visit

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import FederationNames

_CONTEXT_DIRECTIVES = frozenset({"context", "fromContext"})


def check_context_unsupported(
    subgraph_name: str, document: DocumentNode, names: FederationNames, errors: ErrorSink
) -> None:
    finder = _Finder(names)
    visit(document, finder)
    for canonical in sorted(finder.found):
        errors.append(
            CompositionError(
                "UNSUPPORTED_FEATURE",
                f"[{subgraph_name}] @{canonical} is not supported by this composer yet: compose "
                "these subgraphs with Apollo composition 2.8 or later (rover supergraph "
                "compose); the router serves that supergraph.",
            )
        )


class _Finder(Visitor):
    def __init__(self, names: FederationNames) -> None:
        super().__init__()
        self.names = names
        self.found: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        canonical = self.names.canonical(node.name.value)
        if canonical in _CONTEXT_DIRECTIVES:
            self.found.add(canonical)
