"""Merge one field of an object or interface type across the subgraphs that define it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from graphql.language import TypeNode

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import FieldJoin, MergedField
from supergraph.compose.typerefs import merge_output, type_str

from .arguments import merge_arguments
from .meta import merge_meta
from .mismatch import mismatch_phrase
from .sources import FieldSource


def merge_field(
    type_name: str,
    sources: Sequence[FieldSource],
    type_graphs: list[str],
    supertypes: Mapping[str, set[str]],
    errors: ErrorSink,
) -> MergedField | None:
    name = sources[0].field.name
    coordinate = f"{type_name}.{name}"
    defining = [s for s in sources if not s.field.external] or list(sources)
    merged_type = merge_output([s.field.type for s in defining], supertypes)
    if merged_type is None or merge_output([s.field.type for s in sources], supertypes) is None:
        by_type = [(s.graph, type_str(s.field.type)) for s in sources]
        errors.append(
            CompositionError(
                "FIELD_TYPE_MISMATCH",
                f'Type of field "{coordinate}" is incompatible across subgraphs: '
                f"{mismatch_phrase(by_type, 'type')}",
            )
        )
        if merged_type is not None:
            _external_mismatch(coordinate, sources, merged_type, errors)
        return None
    if _external_mismatch(coordinate, sources, merged_type, errors):
        return None
    arguments = merge_arguments(coordinate, defining, errors)
    field = MergedField(name, merged_type, arguments, merge_meta([s.field.meta for s in defining]))
    field.joins = _joins(sources, type_str(merged_type), type_graphs)
    return field


def _joins(
    sources: Sequence[FieldSource], merged_type: str, type_graphs: list[str]
) -> list[FieldJoin] | None:
    joins: list[FieldJoin] = []
    for source in sources:
        if source.overridden and not source.used_overridden:
            continue
        field = source.field
        own_type = type_str(field.type)
        joins.append(
            FieldJoin(
                graph=source.graph,
                requires=field.requires,
                provides=field.provides,
                type=None if own_type == merged_type else own_type,
                external=field.external,
                override=field.override,
                override_label=field.override_label or source.override_label,
                used_overridden=source.used_overridden,
            )
        )
    if any(join.type is not None for join in joins):
        # Once one subgraph's type differs, every join states its own type.
        joins = [replace(join, type=join.type or merged_type) for join in joins]
    # An override that moves nothing does not by itself call for joins.
    ignored = {s.graph for s in sources if s.override_ignored}
    plain = all(
        (replace(join, override=None) if join.graph in ignored else join) == FieldJoin(join.graph)
        for join in joins
    )
    if plain and sorted(j.graph or "" for j in joins) == sorted(type_graphs):
        return None
    return joins


def _external_mismatch(
    coordinate: str, sources: Sequence[FieldSource], merged_type: TypeNode, errors: ErrorSink
) -> bool:
    """Report `@external` declarations whose type is not exactly the resolved field's.

    The subgraph declaring the field external relies on its type (to build a
    `@requires` or `@provides` selection), so it must match what is resolved.
    """
    merged = type_str(merged_type)
    wrong = [s for s in sources if s.field.external and type_str(s.field.type) != merged]
    if not wrong:
        return False
    by_type = [(s.graph, type_str(s.field.type)) for s in sources if not s.field.external]
    by_type += [(s.graph, type_str(s.field.type)) for s in wrong]
    errors.append(
        CompositionError(
            "EXTERNAL_TYPE_MISMATCH",
            f'Type of field "{coordinate}" is incompatible across subgraphs (where marked '
            f"@external): {mismatch_phrase(by_type, 'type')}",
        )
    )
    return True
