"""`@shareable` only means something on object type fields."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_shareable_usage(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        if type_.kind != "interface":
            continue
        for field in type_.fields.values():
            if field.shareable:
                errors.append(
                    CompositionError(
                        "INVALID_SHAREABLE_USAGE",
                        f"[{subgraph.name}] Invalid use of @shareable on field "
                        f'"{type_.name}.{field.name}": only object type fields can be marked '
                        "with @shareable",
                    )
                )
