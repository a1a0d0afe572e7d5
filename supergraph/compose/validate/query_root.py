"""The supergraph has at least one query field: a graph nobody can query is a mistake."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.model import Supergraph
from supergraph.compose.subgraph import Subgraph


def check_query_root(
    subgraphs: Sequence[Subgraph], supergraph: Supergraph, errors: ErrorSink
) -> None:
    del subgraphs
    query = supergraph.types.get(supergraph.roots.get("query", ""))
    if query is None or not query.fields:
        errors.append(
            CompositionError(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        )
