"""A field resolved by several subgraphs must be `@shareable` in all of them."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink, quote_list, subgraphs_phrase
from supergraph.compose.merge.sources import FieldSource


def check_field_sharing(coordinate: str, sources: Sequence[FieldSource], errors: ErrorSink) -> None:
    resolving = [s for s in sources if s.resolves]
    if len(resolving) < 2:
        return
    unshared = [s.graph for s in resolving if not s.shareable]
    if not unshared:
        return
    where = (
        "in all of them" if len(unshared) == len(resolving) else f"in {subgraphs_phrase(unshared)}"
    )
    errors.append(
        CompositionError(
            "INVALID_FIELD_SHARING",
            f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
            f"resolved from subgraphs {quote_list([s.graph for s in resolving])} and defined "
            f"as non-shareable {where}; mark it @shareable in every subgraph that resolves it, "
            "or resolve it in only one of them (@external or @override in the others)",
        )
    )
