"""The entity cache in Redis, shared by every router replica.

Entries are plain keys with their TTL (`SET ... EX`); each tag is a set of the
keys that have it, living as long as its longest-lived member, so invalidation
is `SINTER` of a selector's tags and `DEL` of what it names. Members whose entry
expired stay in a tag set until the set itself expires: deleting them is a no-op.

Lookups and writes never fail a request: a Redis error or timeout is a miss (the
subgraph is asked) or a write not kept, logged and counted (`errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from supergraph.executor.entity_cache.store import Entry, Selector

logger = logging.getLogger(__name__)


class RedisStore:
    def __init__(self, url: str, *, timeout: float = 0.5) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.errors = 0

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = await self._redis.mget(list(keys))
        except (RedisError, OSError):
            self._failed("lookup")
            return [None] * len(keys)
        return [value if isinstance(value, bytes) else None for value in values]

    async def put_many(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for entry in entries:
                    pipe.set(entry.key, entry.value, ex=entry.ttl)
                    for tag in entry.tags:
                        pipe.sadd(tag, entry.key)
                        # A tag set outlives its members: set a TTL if it has none, else
                        # lengthen it (Redis 7's NX / GT).
                        pipe.expire(tag, entry.ttl, nx=True)
                        pipe.expire(tag, entry.ttl, gt=True)
                await pipe.execute()
        except (RedisError, OSError):
            self._failed("write")

    async def invalidate(self, selectors: Sequence[Selector]) -> int:
        doomed: set[bytes] = set()
        for selector in selectors:
            members = [
                m if isinstance(m, bytes) else m.encode()
                for m in await self._redis.sinter(list(selector.tags))
            ]
            prefix = None if selector.key_prefix is None else selector.key_prefix.encode()
            doomed.update(m for m in members if prefix is None or m.startswith(prefix))
        if not doomed:
            return 0
        deleted: int = await self._redis.delete(*doomed)
        return deleted

    async def aclose(self) -> None:
        await self._redis.aclose()

    def _failed(self, what: str) -> None:
        self.errors += 1
        logger.warning("entity cache %s in Redis failed", what, exc_info=True)
