"""An `@inaccessible` type is not used by anything that stays in the API schema."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Meta, Subgraph
from supergraph.schema.sdl import named_type


def check_referenced_inaccessible(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del subgraphs
    hidden = {name for name, t in merged.types.items() if t.meta.inaccessible}
    if not hidden:
        return
    for coordinate, type_name in _references(merged):
        if type_name in hidden:
            errors.append(
                CompositionError(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{type_name}" is @inaccessible but is referenced by "{coordinate}", '
                    "which is in the API schema.",
                )
            )


def _references(merged: MergedSchema) -> Iterator[tuple[str, str]]:
    """(coordinate, referenced type) for every element that is in the API schema."""
    for type_ in merged.types.values():
        if type_.meta.inaccessible:
            continue
        for field in type_.fields.values():
            if _hidden(field.meta):
                continue
            yield f"{type_.name}.{field.name}", named_type(field.type)
            for argument in field.args.values():
                if not _hidden(argument.meta):
                    yield f"{type_.name}.{field.name}({argument.name}:)", named_type(argument.type)


def _hidden(meta: Meta) -> bool:
    return meta.inaccessible
