"""Merge an enum by how it is used (see `usage.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink, subgraphs_phrase
from supergraph.compose.merged import MergedEnumValue, MergedType, TypeJoin

from .meta import merge_meta
from .sources import TypeSource
from .usage import Usage


def merge_enum(
    name: str, sources: Sequence[TypeSource], usage: Usage, errors: ErrorSink
) -> MergedType:
    merged = MergedType("enum", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = [TypeJoin(s.graph) for s in sources]
    graphs = [s.graph for s in sources]
    names: list[str] = []
    for source in sources:
        names += [v for v in source.type.values if v not in names]
    as_input = usage.input_example.get(name)
    as_output = usage.output_example.get(name)
    for value in names:
        having = [s for s in sources if value in s.type.values]
        if len(having) < len(sources) and as_input is not None:
            if as_output is not None:
                missing = [g for g in graphs if g not in {s.graph for s in having}]
                errors.append(
                    CompositionError(
                        "ENUM_VALUE_MISMATCH",
                        f'Enum type "{name}" is used as both input type (for example, as type '
                        f'of "{as_input}") and output type (for example, as type of '
                        f'"{as_output}"), but value "{value}" is not defined in all the '
                        f'subgraphs defining "{name}": "{value}" is defined in '
                        f"{subgraphs_phrase([s.graph for s in having])} but not in "
                        f"{subgraphs_phrase(missing)}",
                    )
                )
            continue
        metas = [s.type.values[value].meta for s in having]
        merged.values[value] = MergedEnumValue(value, merge_meta(metas), [s.graph for s in having])
    if not merged.values and as_input is not None and as_output is None:
        errors.append(
            CompositionError(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{name}" are defined consistently in all the '
                "subgraphs defining that type. As only values common to all subgraphs are "
                "merged, this would result in an empty type.",
            )
        )
    return merged
