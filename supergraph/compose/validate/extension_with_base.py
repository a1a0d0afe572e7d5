"""A type extended somewhere (`extend type`, `@extends`) is defined somewhere.

Federation lets a subgraph extend a type another subgraph defines; a type that
every subgraph only extends has no owner, which is almost always a typo in its
name or a subgraph missing from the composition.
"""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.model import Supergraph
from supergraph.compose.subgraph import ROOT_NAMES, Subgraph


def check_extension_with_base(
    subgraphs: Sequence[Subgraph], supergraph: Supergraph, errors: ErrorSink
) -> None:
    del supergraph
    extended: dict[str, str] = {}
    defined: set[str] = set()
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            if type_.extension and not type_.extends_directive:
                extended.setdefault(type_.name, subgraph.name)
            else:
                defined.add(type_.name)
    for type_name, subgraph_name in extended.items():
        if type_name in defined or type_name in ROOT_NAMES.values():
            continue
        errors.append(
            CompositionError(
                "EXTENSION_WITH_NO_BASE",
                f'[{subgraph_name}] Type "{type_name}" is an extension type, but there is no '
                f'type definition for "{type_name}" in any subgraph.',
            )
        )
