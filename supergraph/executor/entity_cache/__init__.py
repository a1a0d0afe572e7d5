"""The entity cache (router.yaml `response_cache`, docs/entity-cache.md).

policy.py        Cache-Control: parse, the minimum of two, the client's header
scope.py         a request's cache scope: the caller's identity, the policy it used
carried.py       a subgraph answer carrying its Cache-Control header
keys.py          cache keys and invalidation tags
store.py         EntryStore, MemoryStore (bounded by bytes)
redis_store.py   RedisStore: shared by replicas; failures are misses
transport.py     CachingTransport: the hook in the fetch path (partial hits)
invalidation.py  Apollo's invalidation requests -> dropped entries
events.py        domain events (NATS) -> invalidations
stats.py         hits, misses, bytes, invalidations per type (metrics)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supergraph.executor.entity_cache.invalidation import (
    Invalidation,
    InvalidRequest,
    invalidate,
    parse_invalidations,
)
from supergraph.executor.entity_cache.redis_store import RedisStore
from supergraph.executor.entity_cache.scope import CacheScope, cache_scope, current_scope
from supergraph.executor.entity_cache.settings import CacheSettings, SubgraphCache
from supergraph.executor.entity_cache.stats import CacheCounts
from supergraph.executor.entity_cache.store import EntryStore, MemoryStore
from supergraph.executor.entity_cache.transport import CachingTransport
from supergraph.executor.transport import SubgraphTransport

__all__ = [
    "CacheCounts",
    "CacheScope",
    "CacheSettings",
    "CachingTransport",
    "EntityCache",
    "EntryStore",
    "InvalidRequest",
    "Invalidation",
    "MemoryStore",
    "RedisStore",
    "SubgraphCache",
    "cache_scope",
    "current_scope",
    "parse_invalidations",
]


@dataclass(slots=True)
class EntityCache:
    """One router's cache: its settings, its store, its counts."""

    settings: CacheSettings
    store: EntryStore
    counts: CacheCounts = field(default_factory=CacheCounts)

    def around(self, transport: SubgraphTransport) -> CachingTransport:
        return CachingTransport(transport, self.settings, self.store, self.counts)

    async def invalidate(self, invalidations: list[Invalidation], origin: str) -> int:
        return await invalidate(
            self.store, self.settings.namespace, invalidations, self.counts, origin
        )
