"""Merge a field's arguments: only those every subgraph has (intersection), most restrictive type."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink, subgraphs_phrase
from supergraph.compose.merged import MergedArgument
from supergraph.compose.subgraph import Argument
from supergraph.compose.typerefs import is_non_null, merge_input, type_str

from .defaults import merge_default
from .meta import merge_meta
from .mismatch import mismatch_phrase
from .sources import FieldSource


def merge_arguments(
    coordinate: str, sources: Sequence[FieldSource], errors: ErrorSink
) -> dict[str, MergedArgument]:
    graphs = [s.graph for s in sources]
    names: list[str] = []
    for source in sources:
        names += [n for n in source.field.args if n not in names]
    merged: dict[str, MergedArgument] = {}
    for name in names:
        present = [(s.graph, s.field.args[name]) for s in sources if name in s.field.args]
        if len(present) < len(sources):
            _check_required(f"{coordinate}({name}:)", present, graphs, errors)
            continue
        argument = _merge_one(f"{coordinate}({name}:)", present, errors)
        if argument is not None:
            merged[name] = argument
    return merged


def _merge_one(
    coordinate: str, present: list[tuple[str, Argument]], errors: ErrorSink
) -> MergedArgument | None:
    merged_type = merge_input([a.type for _, a in present])
    if merged_type is None:
        by_type = [(g, type_str(a.type)) for g, a in present]
        errors.append(
            CompositionError(
                "FIELD_ARGUMENT_TYPE_MISMATCH",
                f'Type of argument "{coordinate}" is incompatible across subgraphs: '
                f"{mismatch_phrase(by_type, 'type')}",
            )
        )
        return None
    default = merge_default("Argument", coordinate, [(g, a.default) for g, a in present], errors)
    first = present[0][1]
    return MergedArgument(
        first.name, merged_type, default, merge_meta([a.meta for _, a in present])
    )


def _check_required(
    coordinate: str, present: list[tuple[str, Argument]], graphs: list[str], errors: ErrorSink
) -> None:
    required = [g for g, a in present if is_non_null(a.type) and a.default is None]
    if not required:
        return
    having = {g for g, _ in present}
    missing = [g for g in graphs if g not in having]
    errors.append(
        CompositionError(
            "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
            f'Argument "{coordinate}" is required in some subgraphs but does not appear in all '
            f"subgraphs: it is required in {subgraphs_phrase(required)} but does not appear in "
            f"{subgraphs_phrase(missing)}",
        )
    )
