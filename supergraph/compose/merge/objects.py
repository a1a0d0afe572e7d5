"""Merge an object type: `@join__type` per subgraph and key, implementations, fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from supergraph.compose.errors import ErrorSink
from supergraph.compose.merged import MergedType, TypeJoin
from supergraph.compose.validate.field_sharing import check_field_sharing

from .fields import merge_field
from .meta import merge_meta
from .overrides import apply_overrides
from .sources import FieldSource, TypeSource


def type_joins(sources: Sequence[TypeSource], *, interface_object: bool = False) -> list[TypeJoin]:
    joins: list[TypeJoin] = []
    for source in sources:
        type_ = source.type
        is_object = interface_object and type_.interface_object
        # Federation 1 `extend type` is not an extension for join purposes; `@extends` is.
        extension = type_.extends_directive or (source.subgraph.fed2 and type_.extension)
        if not type_.keys:
            joins.append(TypeJoin(source.graph, interface_object=is_object))
        for key in type_.keys:
            joins.append(TypeJoin(source.graph, key.fields, extension, key.resolvable, is_object))
    return joins


def field_sources(sources: Sequence[TypeSource]) -> dict[str, list[FieldSource]]:
    by_field: dict[str, list[FieldSource]] = {}
    for source in sources:
        for field in source.type.fields.values():
            by_field.setdefault(field.name, []).append(
                FieldSource(source.subgraph, source.type, field)
            )
    return by_field


def merge_object(
    name: str,
    sources: Sequence[TypeSource],
    all_graphs: Sequence[str],
    supertypes: Mapping[str, set[str]],
    errors: ErrorSink,
) -> MergedType:
    merged = MergedType("object", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = type_joins(sources)
    if name == "Query":
        # Every subgraph can be asked for `Query` (`_entities`, `_service`).
        merged.joins = [TypeJoin(graph) for graph in all_graphs]
    for source in sources:
        for interface in source.type.interfaces:
            if interface not in merged.interfaces:
                merged.interfaces.append(interface)
            merged.implements.append((source.graph, interface))
    graphs = list(dict.fromkeys(j.graph for j in merged.joins))
    for field_name, fsources in field_sources(sources).items():
        coordinate = f"{name}.{field_name}"
        apply_overrides(coordinate, fsources, all_graphs, errors)
        check_field_sharing(coordinate, fsources, errors)
        field = merge_field(name, fsources, graphs, supertypes, errors)
        if field is not None:
            merged.fields[field_name] = field
    return merged
