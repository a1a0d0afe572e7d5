"""Where cached entries live: the interface, and the in-memory store for development.

    Entry(key, value, ttl, tags)      one cached entity or root-field answer
    EntryStore                        get_many / put_many / invalidate / aclose
    MemoryStore(max_bytes, ...)       one process's store, bounded by bytes (LRU)

Entries carry tags (`type:Product`, `key:Product:upc="1"`, `subgraph:products`, ...)
so invalidation finds them by what they are about; a `Selector` names the entries
having all its tags (and, optionally, keys starting with a prefix).
Redis (redis_store.py) is the store replicas share.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    value: bytes
    ttl: int
    """Seconds."""
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Selector:
    tags: tuple[str, ...]
    """The entries that have every one of these tags (at least one)."""
    key_prefix: str | None = None


class EntryStore(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The value of each key, None when absent. Never raises: a failing store misses."""
        ...

    async def put_many(self, entries: Sequence[Entry]) -> None:
        """Never raises: a failing store keeps nothing."""
        ...

    async def invalidate(self, selectors: Sequence[Selector]) -> int:
        """Drop the entries any selector names; how many were dropped (raises on failure:
        an invalidation must not be reported done when it was not)."""
        ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Entries of this process, least recently used dropped first past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.evictions = 0
        self._entries: OrderedDict[str, tuple[bytes, float, tuple[str, ...]]] = OrderedDict()
        self._tagged: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = time.monotonic()
        found: list[bytes | None] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                found.append(None)
            elif entry[1] <= now:
                self._drop(key)
                found.append(None)
            else:
                self._entries.move_to_end(key)
                found.append(entry[0])
        return found

    async def put_many(self, entries: Sequence[Entry]) -> None:
        now = time.monotonic()
        for entry in entries:
            size = _weight(entry.key, entry.value, entry.tags)
            if size > self.max_bytes:
                continue
            self._drop(entry.key)
            self._entries[entry.key] = (entry.value, now + entry.ttl, entry.tags)
            self.bytes += size
            for tag in entry.tags:
                self._tagged.setdefault(tag, set()).add(entry.key)
        while self.bytes > self.max_bytes and self._entries:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.evictions += 1

    async def invalidate(self, selectors: Sequence[Selector]) -> int:
        doomed: set[str] = set()
        for selector in selectors:
            sets = [self._tagged.get(tag, set()) for tag in selector.tags]
            keys = set.intersection(*sets) if sets else set()
            prefix = selector.key_prefix
            doomed.update(k for k in keys if prefix is None or k.startswith(prefix))
        for key in doomed:
            self._drop(key)
        return len(doomed)

    async def aclose(self) -> None:
        self._entries.clear()
        self._tagged.clear()
        self.bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= _weight(key, entry[0], entry[2])
        for tag in entry[2]:
            keys = self._tagged.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tagged[tag]


_SLOT = 16
"""About what a reference costs (an entry's tag tuple, a tag set's member)."""


def _weight(key: str, value: bytes, tags: Sequence[str]) -> int:
    # The key (the entry's and the LRU's), the value, and each tag: its string (the
    # entry keeps its own) and its slots in the entry and in the tag's set.
    return 2 * len(key) + len(value) + 64 + sum(len(tag) + 2 * _SLOT for tag in tags)
