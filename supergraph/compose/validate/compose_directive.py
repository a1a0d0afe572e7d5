"""`@composeDirective(name:)` names a directive this subgraph defines and imports from a core feature.

The supergraph links the same feature, so the directive must come from a
`@link`ed spec (not be a local definition or a federation directive).
"""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_compose_directive(subgraph: Subgraph, errors: ErrorSink) -> None:
    linked = {
        local.lstrip("@") for link in subgraph.composed_links for local in link.imports.values()
    }
    for name in subgraph.composed_names:
        if name not in subgraph.composed_directives:
            errors.append(
                CompositionError(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    "Could not find matching directive definition for argument to "
                    f'@composeDirective "@{name}" in subgraph "{subgraph.name}".',
                )
            )
        elif name not in linked:
            errors.append(
                CompositionError(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Directive "@{name}" in subgraph "{subgraph.name}" cannot be composed because '
                    "it is not a member of a core feature",
                )
            )
