"""The entity cache's settings, in the executor's terms (router.yaml `response_cache`
is read by the edge, http/entity_cache_config.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

DEFAULT_TTL: Final = 60
"""Seconds an answer without max-age is kept (Apollo requires one; ours defaults)."""
DEFAULT_MAX_ENTRY_BYTES: Final = 256 * 1024
"""An entity or root answer larger than this is not cached (it would crowd out many)."""
DEFAULT_MEMORY_BYTES: Final = 64 * 1024 * 1024
"""The in-memory store's budget (development; replicas share Redis instead)."""
DEFAULT_NAMESPACE: Final = "supergraph:cache:"


@dataclass(frozen=True, slots=True)
class SubgraphCache:
    enabled: bool = True
    ttl: int = DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class CacheSettings:
    all: SubgraphCache = field(default_factory=SubgraphCache)
    subgraphs: Mapping[str, SubgraphCache] = field(default_factory=dict)
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES
    namespace: str = DEFAULT_NAMESPACE

    def of(self, subgraph: str) -> SubgraphCache:
        return self.subgraphs.get(subgraph, self.all)
