"""The entity cache as the pipeline runs it (router.yaml `response_cache`, docs/entity-cache.md).

    options = EntityCacheOptions(settings, redis_urls=..., private_id="sub", ...)
    runtime = EntityCacheRuntime(options)     its store: Redis when given, else memory
    transport = runtime.around(transport)     the hook in the fetch path (pipeline/subgraphs.py)
    scope = runtime.scope(claims)             per query: who asks (private data), what it used
    await runtime.invalidate_body(...)        the invalidation endpoint's work (the edge's route)

The edge builds the options from router.yaml and never names the executor's classes.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import orjson

from auth import Claims
from supergraph.executor.entity_cache import (
    CacheScope,
    EntityCache,
    EntryStore,
    InvalidRequest,
    MemoryStore,
    RedisStore,
    parse_invalidations,
)
from supergraph.executor.entity_cache.events import EventInvalidation
from supergraph.executor.entity_cache.events import EventRule as EventRule
from supergraph.executor.entity_cache.redis_store import (
    DEFAULT_MAX_TAG_MEMBERS as DEFAULT_MAX_TAG_MEMBERS,
)
from supergraph.executor.entity_cache.settings import (
    DEFAULT_MAX_ENTRY_BYTES as DEFAULT_MAX_ENTRY_BYTES,
)
from supergraph.executor.entity_cache.settings import (
    DEFAULT_MEMORY_BYTES as DEFAULT_MEMORY_BYTES,
)
from supergraph.executor.entity_cache.settings import (
    DEFAULT_NAMESPACE as DEFAULT_NAMESPACE,
)
from supergraph.executor.entity_cache.settings import (
    CacheSettings as CacheSettings,
)
from supergraph.executor.entity_cache.settings import (
    SubgraphCache as SubgraphCache,
)
from supergraph.executor.transport import SubgraphTransport

logger = logging.getLogger(__name__)

RowsReader = Callable[[], Iterable[tuple[tuple[str, ...], float]]]


@dataclass(frozen=True, slots=True)
class EntityCacheOptions:
    settings: CacheSettings
    redis_urls: tuple[str, ...] = ()
    """Empty: the in-memory store (one process; development)."""
    redis_timeout: float = 0.5
    max_tag_members: int = DEFAULT_MAX_TAG_MEMBERS
    """Live entries one tag set in Redis may index (past it, the soonest to expire go)."""
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    private_id: str = "sub"
    """The claim that names the caller; their private data is cached under it."""
    invalidation_path: str | None = None
    shared_key: str | None = None
    """What the invalidation endpoint's `Authorization` header must be (None: no endpoint)."""
    event_servers: tuple[str, ...] = ()
    event_rules: tuple[EventRule, ...] = ()


@dataclass(frozen=True, slots=True)
class InvalidationAnswer:
    status: int
    body: bytes


class EntityCacheRuntime:
    def __init__(self, options: EntityCacheOptions) -> None:
        self.options = options
        store: EntryStore = (
            RedisStore(
                options.redis_urls[0],
                timeout=options.redis_timeout,
                max_tag_members=options.max_tag_members,
            )
            if options.redis_urls
            else MemoryStore(options.memory_bytes)
        )
        self.cache = EntityCache(options.settings, store)
        self._events = (
            EventInvalidation(options.event_servers, options.event_rules, self.cache.invalidate)
            if options.event_servers and options.event_rules
            else None
        )

    def know_types(self, names: Iterable[str]) -> None:
        """The supergraph's types (on each load): invalidation metrics label only these."""
        self.cache.counts.known_types = frozenset(names)

    def around(self, transport: SubgraphTransport) -> SubgraphTransport:
        return self.cache.around(transport)

    def scope(self, claims: Claims | None) -> CacheScope:
        identity = None
        if claims is not None:
            value = claims.raw.get(self.options.private_id)
            if value is None and self.options.private_id == "sub":
                value = claims.subject
            if isinstance(value, str | int) and not isinstance(value, bool):
                identity = str(value)
        return CacheScope(identity)

    async def start(self) -> None:
        if self._events is not None:
            try:
                await self._events.start()
            except Exception:
                # Entries then live their TTL: stale for longer, never an outage.
                logger.error("entity cache: cannot listen to events", exc_info=True)

    async def aclose(self) -> None:
        if self._events is not None:
            await self._events.aclose()

    async def invalidate_body(self, body: bytes, authorization: str | None) -> InvalidationAnswer:
        """Apollo's invalidation request: `Authorization` is the shared key, the body a
        list of invalidations; answers `{"count": N}`."""
        key = self.options.shared_key
        if (
            key is None
            or authorization is None
            or not hmac.compare_digest(authorization.encode(), key.encode())
        ):
            return _answer(401, {"error": "unauthorized"})
        try:
            invalidations = parse_invalidations(orjson.loads(body))
        except orjson.JSONDecodeError:
            return _answer(400, {"error": "the body is not JSON"})
        except InvalidRequest as error:
            return _answer(400, {"error": str(error)})
        try:
            count = await self.cache.invalidate(invalidations, "admin")
        except Exception:
            logger.error("entity cache invalidation failed", exc_info=True)
            return _answer(500, {"error": "the cache store failed"})
        return _answer(200, {"count": count})

    def metric_rows(self) -> Iterator[tuple[str, str, tuple[str, ...], RowsReader]]:
        """(name, documentation, labels, reader of the rows) for metrics at scrape time."""
        counts = self.cache.counts
        yield (
            "router_entity_cache_lookups",
            "Entity cache lookups per type (root fields: Query), hit or miss.",
            ("type", "result"),
            counts.lookup_rows,
        )
        yield (
            "router_entity_cache_stored_bytes",
            "Bytes written to the entity cache per type.",
            ("type",),
            counts.byte_rows,
        )
        yield (
            "router_entity_cache_invalidations",
            "Entries invalidated per type, by origin (admin endpoint or domain event).",
            ("type", "origin"),
            counts.invalidation_rows,
        )


def _answer(status: int, body: object) -> InvalidationAnswer:
    return InvalidationAnswer(status, orjson.dumps(body))
