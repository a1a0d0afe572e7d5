"""Merge subgraphs into one schema (`MergedSchema`): one module per kind of type."""

from __future__ import annotations

from collections.abc import Sequence

from graphql.language import DirectiveDefinitionNode

from supergraph.compose.errors import CompositionError, ErrorSink, subgraphs_phrase
from supergraph.compose.merged import FieldJoin, MergedField, MergedSchema, MergedType
from supergraph.compose.subgraph import ROOT_KINDS, Subgraph

from .directive_definitions import merge_directive_definitions
from .enums import merge_enum
from .inputs import merge_input_object
from .interfaces import merge_interface
from .objects import merge_object
from .scalars import merge_scalar
from .sources import TypeSource
from .unions import merge_union
from .usage import collect_usage

_KIND_NAMES = {
    "object": "Object Type",
    "interface": "Interface Type",
    "union": "Union Type",
    "enum": "Enum Type",
    "input": "Input Object Type",
    "scalar": "Scalar Type",
}


def merge(subgraphs: Sequence[Subgraph], errors: ErrorSink) -> MergedSchema:
    graphs = [s.name for s in subgraphs]
    by_name: dict[str, list[TypeSource]] = {}
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            by_name.setdefault(type_.name, []).append(TypeSource(subgraph, type_))
    usage = collect_usage(subgraphs)
    supertypes = _supertypes(subgraphs)
    types: dict[str, MergedType] = {}
    for name, sources in by_name.items():
        kind = _kind(name, sources, errors)
        if kind is None:
            continue
        if kind == "object":
            types[name] = merge_object(name, sources, graphs, supertypes, errors)
        elif kind == "interface":
            types[name] = merge_interface(name, sources, graphs, supertypes, errors)
        elif kind == "union":
            types[name] = merge_union(name, sources)
        elif kind == "enum":
            types[name] = merge_enum(name, sources, usage, errors)
        elif kind == "input":
            types[name] = merge_input_object(name, sources, errors)
        else:
            types[name] = merge_scalar(name, sources)
    _add_interface_object_fields(by_name, types)
    roots = {kind: name for s in subgraphs for kind, name in s.roots.items()}
    merged = MergedSchema(
        [(s.name, s.url) for s in subgraphs],
        types,
        {kind: roots[kind] for kind in ROOT_KINDS if kind in roots},
    )
    definitions: dict[str, list[DirectiveDefinitionNode]] = {}
    for subgraph in subgraphs:
        for name, definition in subgraph.composed_directives.items():
            definitions.setdefault(name, []).append(definition)
        for link in subgraph.composed_links:
            if all(existing.url != link.url for existing in merged.composed_links):
                merged.composed_links.append(link)
    merged.composed_directives = {
        name: merge_directive_definitions(found) for name, found in definitions.items()
    }
    return merged


def _kind(name: str, sources: Sequence[TypeSource], errors: ErrorSink) -> str | None:
    """The supergraph kind of a type; an `@interfaceObject` type counts as an interface."""
    kinds: dict[str, list[str]] = {}
    for source in sources:
        kind = "interface" if source.type.interface_object else source.type.kind
        kinds.setdefault(kind, []).append(source.graph)
    if len(kinds) == 1:
        return next(iter(kinds))
    parts = [f"{_KIND_NAMES[k]} in {subgraphs_phrase(g)}" for k, g in kinds.items()]
    errors.append(
        CompositionError(
            "TYPE_KIND_MISMATCH",
            f'Type "{name}" has mismatched kind: it is defined as ' + " but ".join(parts),
        )
    )
    return None


def _add_interface_object_fields(
    by_name: dict[str, list[TypeSource]], types: dict[str, MergedType]
) -> None:
    """Fields an `@interfaceObject` adds to an interface exist on every implementation too.

    The implementations get them with a bare `@join__field`: no subgraph resolves
    them on the concrete type, the planner reaches them through the interface.
    """
    for name, sources in by_name.items():
        interface = types.get(name)
        if interface is None or interface.kind != "interface":
            continue
        for source in sources:
            if not source.type.interface_object:
                continue
            for implementation in types.values():
                if implementation.kind != "object" or name not in implementation.interfaces:
                    continue
                for field_name in source.type.fields:
                    if field_name in implementation.fields or field_name not in interface.fields:
                        continue
                    template = interface.fields[field_name]
                    implementation.fields[field_name] = MergedField(
                        field_name,
                        template.type,
                        dict(template.args),
                        template.meta,
                        [FieldJoin(None)],
                    )


def _supertypes(subgraphs: Sequence[Subgraph]) -> dict[str, set[str]]:
    """Type -> the interfaces it implements and the unions it belongs to, in any subgraph."""
    supertypes: dict[str, set[str]] = {}
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            supertypes.setdefault(type_.name, set()).update(type_.interfaces)
            for member in type_.members:
                supertypes.setdefault(member, set()).add(type_.name)
    return supertypes
