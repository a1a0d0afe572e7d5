"""Apply `@override(from:)` to a field's sources, and reject overrides that cannot work."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink

from .sources import FieldSource


def apply_overrides(
    coordinate: str, sources: Sequence[FieldSource], graphs: Sequence[str], errors: ErrorSink
) -> None:
    by_graph = {s.graph: s for s in sources}
    for source in sources:
        origin = source.field.override
        if origin is None:
            continue
        if origin == source.graph:
            errors.append(
                CompositionError(
                    "OVERRIDE_FROM_SELF_ERROR",
                    f'Source and destination subgraphs "{origin}" are the same for overridden '
                    f'field "{coordinate}"',
                )
            )
            continue
        if origin not in graphs:
            # Apollo only hints here; we reject, since an override that names no
            # subgraph is almost always a typo that silently changes nothing.
            errors.append(
                CompositionError(
                    "OVERRIDE_SOURCE_NOT_FOUND",
                    f'Field "{coordinate}" on subgraph "{source.graph}" is overridden from '
                    f'subgraph "{origin}", which does not exist: use the name of the subgraph '
                    f'that resolves "{coordinate}" today in @override(from:), or remove the '
                    "@override",
                )
            )
            continue
        target = by_graph.get(origin)
        if target is None or target.field.external:
            # Nothing to take over: the override alone does not call for a join.
            source.override_ignored = source.field.override_label is None
            continue
        if target.field.override is not None:
            errors.append(
                CompositionError(
                    "OVERRIDE_SOURCE_HAS_OVERRIDE",
                    f'Field "{coordinate}" on subgraph "{source.graph}" is also marked with '
                    f'directive @override in subgraph "{origin}". Only one @override directive '
                    "is allowed per field.",
                )
            )
            continue
        if source.field.override_label is not None:
            target.override_label = source.field.override_label
            continue
        target.overridden = True
        target.used_overridden = source.field.name in target.type.key_field_names()
