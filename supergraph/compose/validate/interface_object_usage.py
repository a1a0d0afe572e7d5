"""`@interfaceObject` goes on entity types: the router reaches them only through a key."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_interface_object_usage(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        if type_.interface_object and not type_.keys:
            errors.append(
                CompositionError(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f"[{subgraph.name}] The @interfaceObject directive can only be applied to "
                    f'entity types but type "{type_.name}" has no @key in this subgraph.',
                )
            )
