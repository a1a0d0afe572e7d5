"""Merge a custom scalar: it only needs to know which subgraphs define it."""

from __future__ import annotations

from collections.abc import Sequence

from supergraph.compose.model import SuperType, TypeJoin

from .meta import merge_meta
from .sources import TypeSource


def merge_scalar(name: str, sources: Sequence[TypeSource]) -> SuperType:
    merged = SuperType("scalar", name, merge_meta([s.type.meta for s in sources]))
    merged.joins = [TypeJoin(s.graph) for s in sources]
    return merged
