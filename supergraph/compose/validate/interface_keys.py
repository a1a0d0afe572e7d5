"""An interface's `@key` is also a key of each implementation in the same subgraph.

The router turns a reference to the interface into one to the concrete type
with that key, so every implementation must accept it.
"""

from __future__ import annotations

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph
from supergraph.schema.fieldset import read_field_set
from supergraph.schema.model import FieldSet


def _canonical(fields: str) -> FieldSet | str:
    """The key as parsed, so that spacing does not tell keys apart (as written if it does not parse)."""
    field_set = read_field_set(fields)
    return fields if field_set is None else field_set


def check_interface_keys(subgraph: Subgraph, errors: ErrorSink) -> None:
    for interface in subgraph.types.values():
        if interface.kind != "interface" or interface.interface_object or not interface.keys:
            continue
        for implementation in subgraph.types.values():
            if implementation.kind != "object" or interface.name not in implementation.interfaces:
                continue
            keys = {_canonical(k.fields) for k in implementation.keys}
            for key in interface.keys:
                if _canonical(key.fields) in keys:
                    continue
                errors.append(
                    CompositionError(
                        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                        f'[{subgraph.name}] Key @key(fields: "{key.fields}") on interface type '
                        f'"{interface.name}" is missing on implementation type '
                        f'"{implementation.name}".',
                    )
                )
