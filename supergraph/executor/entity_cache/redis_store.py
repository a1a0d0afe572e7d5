"""The entity cache in Redis, shared by every router replica.

Entries are plain keys with their TTL (`SET ... EX`). Each tag is a sorted set of
the keys that have it, scored by when each entry expires, so the index stays as
small as what it indexes: one script per write (`_PUT`, on Redis's clock) adds the
key to its tags, drops the members whose entry has expired, and past
`max_tag_members` evicts the entries expiring soonest (the entries themselves, not
only their members: an entry the index forgot could not be invalidated). A tag set
expires with its longest-lived member. So a flood of distinct variables (a root
entry each) grows no set beyond the cap, and nothing beyond what is live.

Invalidation scans the smallest tag of a selector (`ZSCAN`, in batches), keeps the
members in every other tag (`ZMSCORE`), and `UNLINK`s them with their members
(`ZREM`), batch by batch: no command blocks Redis for a whole set. Members of the
entries' other tags stay until their score passes (they name nothing: a no-op).

A tag an older router left as a plain set is converted by the next write to it
(its live members scored by their entries' expiry); until then invalidation reads
it as a set (`SSCAN`, `SMISMEMBER`, `SREM`).

The script and invalidation touch keys of several tags at once: a single Redis
(or one hash slot), not a cluster.

Lookups and writes never fail a request: a Redis error or timeout is a miss (the
subgraph is asked) or a write not kept, logged and counted (`errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from supergraph.executor.entity_cache.store import Entry, Selector

logger = logging.getLogger(__name__)

DEFAULT_MAX_TAG_MEMBERS = 100_000
"""Live entries one tag (a type, a subgraph, its root fields) may index."""
SCAN_BATCH = 500
"""Members read, and entries unlinked, per round trip of an invalidation."""

# KEYS: the entry's key, then its tags. ARGV: value, ttl (s), max members per tag.
# Returns how many entries were evicted to keep the tags within the cap.
_PUT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local ttl = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
local evicted = 0
for i = 2, #KEYS do
  local tag = KEYS[i]
  if type(redis.pcall('ZADD', tag, now + ttl, KEYS[1])) == 'table' then
    -- WRONGTYPE: a plain set left by an older router. Converted, each live member
    -- scored by its entry's expiry: dropping the set would leave those entries live
    -- but beyond invalidation.
    local old = redis.call('SMEMBERS', tag)
    redis.call('UNLINK', tag)
    for j = 1, #old do
      local left = redis.call('PTTL', old[j])
      if left == -1 then
        redis.call('ZADD', tag, now + ttl, old[j])
      elseif left > 0 then
        redis.call('ZADD', tag, now + left / 1000, old[j])
      end
    end
    redis.call('ZADD', tag, now + ttl, KEYS[1])
  end
  redis.call('ZREMRANGEBYSCORE', tag, '-inf', now)
  local over = redis.call('ZCARD', tag) - cap
  if over > 0 then
    local gone = redis.call('ZPOPMIN', tag, over)
    for j = 1, #gone, 2 do
      evicted = evicted + redis.call('UNLINK', gone[j])
    end
  end
  local last = redis.call('ZRANGE', tag, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('EXPIREAT', tag, math.floor(tonumber(last[2])) + 1)
  end
end
return evicted
"""


class RedisStore:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.5,
        max_tag_members: int = DEFAULT_MAX_TAG_MEMBERS,
        scan_batch: int = SCAN_BATCH,
    ) -> None:
        self._redis: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._put = self._redis.register_script(_PUT)
        self.max_tag_members = max_tag_members
        self.scan_batch = scan_batch
        self.errors = 0
        self.evictions = 0

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
                    await self._put(
                        keys=[entry.key, *entry.tags],
                        args=[entry.value, entry.ttl, self.max_tag_members],
                        client=pipe,
                    )
                evicted = await pipe.execute()
        except (RedisError, OSError):
            self._failed("write")
            return
        self.evictions += sum(n for n in evicted if isinstance(n, int))

    async def invalidate(self, selectors: Sequence[Selector]) -> int:
        deleted = 0
        for selector in selectors:
            deleted += await self._invalidate(selector)
        return deleted

    async def _invalidate(self, selector: Selector) -> int:
        tags = list(selector.tags)
        sizes, legacy = await self._sizes(tags)
        if min(sizes) == 0:
            return 0
        # The smallest set is scanned; the others only answer membership.
        scanned = tags[sizes.index(min(sizes))]
        others = [tag for tag in tags if tag != scanned]
        prefix = None if selector.key_prefix is None else selector.key_prefix.encode()
        deleted = 0
        cursor = 0
        while True:
            members: list[Any]
            if scanned in legacy:
                cursor, found = await self._redis.sscan(scanned, cursor, count=self.scan_batch)
                members = [_as_bytes(member) for member in found]
            else:
                cursor, batch = await self._redis.zscan(scanned, cursor, count=self.scan_batch)
                members = [_as_bytes(member) for member, _score in batch]
            if prefix is not None:
                members = [m for m in members if m.startswith(prefix)]
            for other in others:
                if not members:
                    break
                if other in legacy:
                    flags = await self._redis.smismember(other, members)
                    members = [m for m, flag in zip(members, flags, strict=True) if flag]
                else:
                    scores = await self._redis.zmscore(other, members)
                    members = [
                        m for m, score in zip(members, scores, strict=True) if score is not None
                    ]
            if members:
                deleted += await self._unlink(members, tags, legacy)
            if cursor == 0:
                return deleted

    async def _sizes(self, tags: list[str]) -> tuple[list[int], set[str]]:
        """Each tag's size, and the tags still plain sets (an older router's, WRONGTYPE
        to the sorted-set commands until a write converts them)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for tag in tags:
                pipe.zcard(tag)
            sizes: list[Any] = await pipe.execute(raise_on_error=False)
        legacy = set()
        for i, size in enumerate(sizes):
            if isinstance(size, ResponseError) and str(size).startswith("WRONGTYPE"):
                legacy.add(tags[i])
                sizes[i] = await self._redis.scard(tags[i])
            elif isinstance(size, Exception):
                raise size
        return sizes, legacy

    async def _unlink(self, members: list[bytes], tags: list[str], legacy: set[str]) -> int:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.unlink(*members)
            for tag in tags:
                if tag in legacy:
                    pipe.srem(tag, *members)
                else:
                    pipe.zrem(tag, *members)
            results = await pipe.execute()
        unlinked: int = results[0]
        return unlinked

    async def aclose(self) -> None:
        await self._redis.aclose()

    def _failed(self, what: str) -> None:
        self.errors += 1
        logger.warning("entity cache %s in Redis failed", what, exc_info=True)


def _as_bytes(member: object) -> bytes:
    return member if isinstance(member, bytes) else str(member).encode()
