"""Merge an input object: only the fields every subgraph has (intersection).

A subgraph may receive any merged input value, so a field some subgraph does
not know cannot be in the supergraph, and one some subgraph requires must be
everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink, subgraphs_phrase
from supergraph.compose.merged import FieldJoin, MergedField, MergedType, TypeJoin
from supergraph.compose.typerefs import is_non_null, merge_input, type_str

from .defaults import merge_default
from .meta import merge_meta
from .mismatch import mismatch_phrase
from .sources import TypeSource


def merge_input_object(name: str, sources: Sequence[TypeSource], errors: ErrorSink) -> MergedType:
    merged = MergedType("input", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = [TypeJoin(s.graph) for s in sources]
    graphs = [s.graph for s in sources]
    names: list[str] = []
    for source in sources:
        names += [f for f in source.type.input_fields if f not in names]
    for field_name in names:
        present = [
            (s.graph, s.type.input_fields[field_name])
            for s in sources
            if field_name in s.type.input_fields
        ]
        coordinate = f"{name}.{field_name}"
        if len(present) < len(sources):
            required = [g for g, f in present if is_non_null(f.type) and f.default is None]
            if required:
                missing = [g for g in graphs if g not in {g2 for g2, _ in present}]
                errors.append(
                    CompositionError(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f'Input object field "{coordinate}" is required in some subgraphs but '
                        f"does not appear in all subgraphs: it is required in "
                        f"{subgraphs_phrase(required)} but does not appear in "
                        f"{subgraphs_phrase(missing)}",
                    )
                )
            continue
        merged_type = merge_input([f.type for _, f in present])
        if merged_type is None:
            by_type = [(g, type_str(f.type)) for g, f in present]
            errors.append(
                CompositionError(
                    "FIELD_TYPE_MISMATCH",
                    f'Type of field "{coordinate}" is incompatible across subgraphs: '
                    f"{mismatch_phrase(by_type, 'type')}",
                )
            )
            continue
        defaults = [(g, f.default) for g, f in present]
        default = merge_default("Input field", coordinate, defaults, errors)
        if any(f.default is None for _, f in present):
            # A subgraph without the default would see an absent field where the
            # others see the default: only a default every subgraph shares is kept.
            default = None
        meta = merge_meta([f.meta for _, f in present])
        joins = None
        if any(type_str(f.type) != type_str(merged_type) for _, f in present):
            joins = [FieldJoin(g, type=type_str(f.type)) for g, f in present]
        merged.fields[field_name] = MergedField(field_name, merged_type, {}, meta, joins, default)
    if not merged.fields and names:
        errors.append(
            CompositionError(
                "EMPTY_MERGED_INPUT_TYPE",
                f'None of the fields of input object type "{name}" are consistently defined in '
                "all the subgraphs defining that type. As only fields common to all subgraphs "
                "are merged, this would result in an empty type.",
            )
        )
    return merged
