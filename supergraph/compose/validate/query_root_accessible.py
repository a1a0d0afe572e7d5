"""The query root type cannot be `@inaccessible`: the API schema needs it."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_query_root_accessible(subgraph: Subgraph, errors: ErrorSink) -> None:
    query = subgraph.types.get(subgraph.roots.get("query", ""))
    if query is not None and query.meta.inaccessible:
        errors.append(
            CompositionError(
                "QUERY_ROOT_TYPE_INACCESSIBLE",
                f'[{subgraph.name}] Type "{query.name}" is @inaccessible but is the root query '
                "type, which must be in the API schema.",
            )
        )
