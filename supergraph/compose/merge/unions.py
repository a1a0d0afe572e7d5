"""Merge a union: the members of every subgraph, each with the subgraphs that list it."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.merged import MergedType, TypeJoin

from .meta import merge_meta
from .sources import TypeSource


def merge_union(name: str, sources: Sequence[TypeSource]) -> MergedType:
    merged = MergedType("union", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = [TypeJoin(s.graph) for s in sources]
    for source in sources:
        merged.members += [(source.graph, member) for member in source.type.members]
    return merged
