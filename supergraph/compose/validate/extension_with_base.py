"""A type extended somewhere (`extend type`, `@extends`) is defined somewhere.

Federation lets a subgraph extend a type another subgraph defines; a type that
every subgraph only extends has no owner, which is almost always a typo in its
name or a subgraph missing from the composition. As in the reference: in
Federation 2 `type T @extends` counts as a definition, and a type that two or
more Federation 1 subgraphs all declare with `@extends` is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.merged import MergedSchema
from supergraph.compose.subgraph import ROOT_NAMES, Subgraph, SubgraphType


def check_extension_with_base(
    subgraphs: Sequence[Subgraph], merged: MergedSchema, errors: ErrorSink
) -> None:
    del merged
    declared: dict[str, list[tuple[Subgraph, SubgraphType]]] = {}
    for subgraph in subgraphs:
        for type_ in subgraph.types.values():
            if type_.kind == "object" and type_.name not in ROOT_NAMES.values():
                declared.setdefault(type_.name, []).append((subgraph, type_))
    for type_name, places in declared.items():
        if any(_is_definition(s, t) for s, t in places):
            continue
        if len(places) > 1 and all(not s.fed2 and t.extends_directive for s, t in places):
            continue
        for subgraph, _ in places:
            errors.append(
                CompositionError(
                    "EXTENSION_WITH_NO_BASE",
                    f'[{subgraph.name}] Type "{type_name}" is an extension type, but there is '
                    f'no type definition for "{type_name}" in any subgraph.',
                )
            )


def _is_definition(subgraph: Subgraph, type_: SubgraphType) -> bool:
    if not type_.extension:
        return True
    # `type T @extends` (not `extend type`) is a definition in Federation 2.
    return subgraph.fed2 and type_.extends_directive and not type_.extend_keyword
