"""Where APQ registrations live: the protocol and the in-process default."""

from __future__ import annotations

from typing import Protocol

from supergraph.executor.cache import WeightedCache
from supergraph.executor.footprint import OBJECTS

DEFAULT_MEMORY_SIZE = 10_000
DEFAULT_MEMORY_MAX_BYTES = 16 << 20
"""10,000 registrations of operations of about 1.5 KB: one large registration (a
query near the 2 MB body limit) must not cost what thousands of normal ones do."""


class APQStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def set(self, sha256: str, query: str) -> None: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Bounded by entries and by bytes (hash and query text), with admission (see
    executor/cache.py): a client registering endless or huge queries can neither
    exhaust memory nor push out the registrations other clients keep using."""

    def __init__(
        self, size: int = DEFAULT_MEMORY_SIZE, max_bytes: int = DEFAULT_MEMORY_MAX_BYTES
    ) -> None:
        self.queries: WeightedCache[str, str] = WeightedCache(
            max_entries=size, max_bytes=max_bytes, weigh=OBJECTS.of
        )

    async def get(self, sha256: str) -> str | None:
        return self.queries.get(sha256)

    async def set(self, sha256: str, query: str) -> None:
        self.queries.put(sha256, query)

    async def aclose(self) -> None:
        return None
