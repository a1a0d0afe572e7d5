"""A field implementing an interface field that clients see cannot be `@inaccessible`."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import Subgraph


def check_implemented_by_inaccessible(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del subgraphs
    for type_ in merged.types.values():
        for interface_name in type_.interfaces:
            interface = merged.types.get(interface_name)
            if interface is None or interface.meta.inaccessible:
                continue
            for name, field in type_.fields.items():
                implemented = interface.fields.get(name)
                if field.meta.inaccessible and implemented and not implemented.meta.inaccessible:
                    errors.append(
                        CompositionError(
                            "IMPLEMENTED_BY_INACCESSIBLE",
                            f'Field "{type_.name}.{name}" is @inaccessible but implements the '
                            f'interface field "{interface_name}.{name}", which is in the API '
                            "schema.",
                        )
                    )
