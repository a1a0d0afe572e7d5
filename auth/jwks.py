"""`JWKSKeySet`: keys published at a JWKS URL, fetched with httpx and cached.

- Keys are cached for `ttl` seconds; after that the next lookup refetches.
- A `kid` that is not cached triggers a refetch, but fetches (successful or
  not) happen at most once per `min_refresh_interval`: a flood of tokens with
  made-up `kid`s costs the identity provider one request per interval.
- A failed fetch keeps the keys already cached (an outage of the JWKS endpoint
  does not log everybody out); only when nothing was ever fetched do lookups
  raise `KeysUnavailable`.
- Concurrent lookups share one fetch (an asyncio lock, re-checked inside).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from auth.errors import KeysUnavailable
from auth.keys import VerificationKey, keys_from_jwks

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 1_000_000


class JWKSKeySet:
    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        min_refresh_interval: float = 30.0,
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None
        self._clock = clock
        self._keys: dict[str | None, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0
        """Fetch attempts so far (for tests and metrics)."""

    async def get(self, kid: str | None) -> VerificationKey | None:
        """The key with `kid` (refetching when allowed), or None when it is not published."""
        await self._settle()
        if self._is_stale():
            await self._refresh()
        key = self._keys.get(kid)
        if key is None and self._may_fetch():
            await self._refresh()
            key = self._keys.get(kid)
        if key is None and self._fetched_at is None:
            raise KeysUnavailable()
        return key

    async def all_keys(self) -> list[VerificationKey]:
        """Every cached key (fetching first when stale); for tokens without a `kid`."""
        await self._settle()
        if self._is_stale():
            await self._refresh()
        if self._fetched_at is None:
            raise KeysUnavailable()
        return list(self._keys.values())

    async def _settle(self) -> None:
        """Wait for a fetch in flight: its result counts for this lookup too."""
        if self._lock.locked():
            async with self._lock:
                pass

    def _is_stale(self) -> bool:
        if self._fetched_at is not None and self._clock() - self._fetched_at < self.ttl:
            return False
        return self._may_fetch()

    def _may_fetch(self) -> bool:
        return (
            self._attempted_at is None
            or self._clock() - self._attempted_at >= self.min_refresh_interval
        )

    async def _refresh(self) -> None:
        async with self._lock:
            if not self._may_fetch():
                return  # another lookup fetched while this one waited
            self._attempted_at = self._clock()
            self.fetches += 1
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as error:
                logger.warning("JWKS fetch from %s failed: %s", self.url, error)
                return
            self._keys = {key.kid: key for key in keys}
            self._fetched_at = self._clock()

    async def _fetch(self) -> list[VerificationKey]:
        client = self._client
        if client is None:
            client = self._client = httpx.AsyncClient(timeout=self._timeout)
        response = await client.get(self.url, timeout=self._timeout)
        response.raise_for_status()
        if len(response.content) > MAX_JWKS_BYTES:
            raise ValueError("the JWKS document is too large")
        return keys_from_jwks(response.content)

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
