"""Persisted queries: automatic persisted queries (APQ), a persisted query list, safelisting.

store.py        APQStore protocol and MemoryStore (bounded, per process)
redis_store.py  RedisStore: registrations shared by router replicas
manifest.py     Manifest: Apollo's persisted query list JSON (by id, by body hash)
resolve.py      PersistedQueries: request -> the query text to run, or a GraphQL error

Nothing here knows HTTP: the edge hands in the decoded request, the client name
and `documentId`, and gets back a `GraphQLRequest` with its query filled in.
"""

from __future__ import annotations

from supergraph.pipeline.persisted.manifest import Manifest, ManifestError
from supergraph.pipeline.persisted.resolve import PersistedQueries, SafelistMode
from supergraph.pipeline.persisted.store import APQStore, MemoryStore

__all__ = [
    "APQStore",
    "Manifest",
    "ManifestError",
    "MemoryStore",
    "PersistedQueries",
    "SafelistMode",
]
