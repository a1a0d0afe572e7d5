"""A required argument or input field cannot be `@inaccessible`: clients could never send it."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph
from supergraph.compose.typerefs import is_non_null


def check_required_inaccessible(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del subgraphs
    for type_ in merged.types.values():
        if type_.meta.inaccessible:
            continue
        for field in type_.fields.values():
            if type_.kind == "input":
                if field.meta.inaccessible and is_non_null(field.type) and field.default is None:
                    errors.append(
                        CompositionError(
                            "REQUIRED_INACCESSIBLE",
                            f'Input field "{type_.name}.{field.name}" is @inaccessible but is a '
                            "required input field of its type.",
                        )
                    )
                continue
            if field.meta.inaccessible:
                continue
            for argument in field.args.values():
                required = is_non_null(argument.type) and argument.default is None
                if argument.meta.inaccessible and required:
                    errors.append(
                        CompositionError(
                            "REQUIRED_INACCESSIBLE",
                            f'Argument "{type_.name}.{field.name}({argument.name}:)" is '
                            "@inaccessible but is a required argument of its field.",
                        )
                    )
