"""The supergraph has at least one query field: a graph nobody can query is a mistake."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph


def check_query_root(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del merged  # subgraphs decide: a Query field that failed to merge is reported already
    if not any(
        (query := s.types.get(s.roots.get("query", ""))) is not None and query.fields
        for s in subgraphs
    ):
        errors.append(
            CompositionError(
                "NO_QUERIES",
                "No queries found in any subgraph: a supergraph must have a query root type.",
            )
        )
