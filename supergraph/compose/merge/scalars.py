"""Merge a custom scalar: it only needs to know which subgraphs define it."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.merged import MergedType, TypeJoin

from .meta import merge_meta
from .sources import TypeSource


def merge_scalar(name: str, sources: Sequence[TypeSource]) -> MergedType:
    merged = MergedType("scalar", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = [TypeJoin(s.graph) for s in sources]
    return merged
