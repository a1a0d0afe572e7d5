"""`PersistedQueries` from the `persisted_queries` section of router.yaml."""

from __future__ import annotations

from supergraph.http.config import PersistedQueriesConfig
from supergraph.http.config_values import ConfigError
from supergraph.pipeline.persisted import (
    APQStore,
    Manifest,
    ManifestError,
    MemoryStore,
    PersistedQueries,
    SafelistMode,
)
from supergraph.pipeline.persisted.manifest import load_manifest
from supergraph.pipeline.persisted.redis_store import RedisStore


def persisted_queries(config: PersistedQueriesConfig) -> PersistedQueries:
    manifest: Manifest | None = None
    operations: dict[str, str] = {}
    for index, path in enumerate(config.manifests):
        try:
            operations.update(load_manifest(path).by_id)
        except ManifestError as error:
            raise ConfigError(f"persisted_queries.local_manifests[{index}]: {error}") from error
    if config.manifests:
        # Several lists are one: a later file's id wins, as Apollo Router merges them.
        manifest = Manifest.from_operations(operations)
    store: APQStore | None = None
    if config.apq:
        if config.redis_url is not None:
            store = RedisStore(config.redis_url, prefix=config.redis_key_prefix, ttl=config.ttl)
        else:
            store = MemoryStore(config.memory_size, config.memory_max_bytes)
    return PersistedQueries(
        store=store,
        manifest=manifest,
        safelist=SafelistMode(config.safelist),
        free_form_clients=config.free_form_clients,
    )
