"""A type in the API schema keeps at least one field (or value) in the API schema."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph


def check_only_inaccessible_children(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del subgraphs
    for type_ in merged.types.values():
        if type_.meta.inaccessible:
            continue
        if type_.kind == "enum":
            children, what = [v.meta for v in type_.values.values()], "values"
        elif type_.kind in ("object", "interface", "input"):
            children, what = [f.meta for f in type_.fields.values()], "fields"
        else:
            continue
        if children and all(meta.inaccessible for meta in children):
            errors.append(
                CompositionError(
                    "ONLY_INACCESSIBLE_CHILDREN",
                    f'Type "{type_.name}" is in the API schema but all of its {what} are '
                    "@inaccessible.",
                )
            )
