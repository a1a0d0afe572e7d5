"""`@override` is for object fields a subgraph resolves: not on interfaces, not with `@external`."""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph


def check_override_usage(subgraph: Subgraph, errors: ErrorSink) -> None:
    for type_ in subgraph.types.values():
        for field in type_.fields.values():
            if field.override is None:
                continue
            coordinate = f"{type_.name}.{field.name}"
            if type_.kind == "interface" and not type_.interface_object:
                errors.append(
                    CompositionError(
                        "OVERRIDE_ON_INTERFACE",
                        f'[{subgraph.name}] @override cannot be used on field "{coordinate}" on '
                        f'subgraph "{subgraph.name}": @override is not supported on interface '
                        "type fields.",
                    )
                )
            elif field.external:
                errors.append(
                    CompositionError(
                        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                        f'[{subgraph.name}] @override cannot be used on field "{coordinate}" on '
                        f'subgraph "{subgraph.name}" since "{coordinate}" on "{subgraph.name}" is '
                        'marked with directive "@external"',
                    )
                )
