"""Merge an interface, including subgraphs that see it as an `@interfaceObject` type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from supergraph.compose.errors import ErrorSink
from supergraph.compose.merged import MergedType

from .fields import merge_field
from .meta import merge_meta
from .objects import field_sources, type_joins
from .overrides import apply_overrides
from .sources import TypeSource


def merge_interface(
    name: str,
    sources: Sequence[TypeSource],
    all_graphs: Sequence[str],
    supertypes: Mapping[str, set[str]],
    errors: ErrorSink,
) -> MergedType:
    merged = MergedType("interface", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = type_joins(sources, interface_object=True)
    for source in sources:
        if source.type.interface_object:
            continue
        for interface in source.type.interfaces:
            if interface not in merged.interfaces:
                merged.interfaces.append(interface)
            merged.implements.append((source.graph, interface))
    graphs = list(dict.fromkeys(s.graph for s in sources))
    for field_name, fsources in field_sources(sources).items():
        apply_overrides(f"{name}.{field_name}", fsources, all_graphs, errors)
        field = merge_field(name, fsources, graphs, supertypes, errors)
        if field is not None:
            merged.fields[field_name] = field
    return merged
