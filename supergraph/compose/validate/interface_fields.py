"""Every field of a merged interface exists on every type implementing it.

Subgraphs may each add fields to a shared interface; a type implementing the
interface elsewhere then has to define them too, or the supergraph would have
an implementation that does not satisfy its interface.
"""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph


def check_interface_fields(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    for interface in merged.types.values():
        if interface.kind != "interface":
            continue
        for implementation in merged.types.values():
            if interface.name not in implementation.interfaces:
                continue
            for field_name in interface.fields:
                if field_name in implementation.fields:
                    continue
                declared = _first(subgraphs, interface.name, field_name)
                implemented = next(
                    (g for g, i in implementation.implements if i == interface.name), "?"
                )
                errors.append(
                    CompositionError(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        f'Interface field "{interface.name}.{field_name}" is declared in '
                        f'subgraph "{declared}" but type "{implementation.name}", which '
                        f'implements "{interface.name}" in subgraph "{implemented}" does not '
                        f'have field "{field_name}".',
                    )
                )


def _first(subgraphs: Sequence[Subgraph], type_name: str, field_name: str) -> str:
    for subgraph in subgraphs:
        type_ = subgraph.types.get(type_name)
        if type_ is not None and field_name in type_.fields:
            return subgraph.name
    return "?"
