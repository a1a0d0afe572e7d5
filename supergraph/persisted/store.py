"""Where APQ registrations live: the protocol and the in-process default."""

from __future__ import annotations

from typing import Protocol

from supergraph.executor.lru import LRU


class APQStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def set(self, sha256: str, query: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Bounded (LRU) so a client registering endless queries cannot exhaust memory."""

    def __init__(self, size: int = 10_000) -> None:
        self._queries: LRU[str, str] = LRU(size)

    async def get(self, sha256: str) -> str | None:
        return self._queries.get(sha256)

    async def set(self, sha256: str, query: str) -> None:
        self._queries.put(sha256, query)

    async def aclose(self) -> None:
        return None
