"""APQ registrations in Redis, so every router replica sees what one of them registered."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisStore:
    """Keys are `<prefix><sha256>`; Redis failures degrade to a miss (the client
    then re-sends the full query), they never fail the request."""

    def __init__(
        self, url: str, *, prefix: str = "supergraph:apq:", ttl: int | None = None
    ) -> None:
        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._ttl = ttl

    async def get(self, sha256: str) -> str | None:
        try:
            value = await self._redis.get(self._prefix + sha256)
        except RedisError:
            logger.warning("APQ lookup in Redis failed", exc_info=True)
            return None
        return value if isinstance(value, str) else None

    async def set(self, sha256: str, query: str) -> None:
        try:
            await self._redis.set(self._prefix + sha256, query, ex=self._ttl)
        except RedisError:
            logger.warning("APQ registration in Redis failed", exc_info=True)

    async def aclose(self) -> None:
        await self._redis.aclose()
