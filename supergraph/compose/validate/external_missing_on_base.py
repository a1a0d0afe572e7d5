"""An `@external` field must be resolved (not external) by at least one subgraph."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink, subgraphs_phrase
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph


def check_external_missing_on_base(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del merged
    listed: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            if type_.interface_object:
                continue
            for field in type_.fields.values():
                listed.setdefault((type_.name, field.name), []).append(
                    (subgraph.name, field.external)
                )
    for (type_name, field_name), occurrences in listed.items():
        if all(external for _, external in occurrences):
            names = [name for name, _ in occurrences]
            errors.append(
                CompositionError(
                    "EXTERNAL_MISSING_ON_BASE",
                    f'Field "{type_name}.{field_name}" is marked @external on all the subgraphs '
                    f"in which it is listed ({subgraphs_phrase(names)}).",
                )
            )
