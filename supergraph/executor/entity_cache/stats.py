"""What the entity cache counts, read by metrics at scrape time (pipeline/caches.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ROOT_TYPE = "Query"
"""The type label of root-field entries."""


@dataclass(slots=True)
class CacheCounts:
    lookups: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(type, "hit" | "miss") -> entries looked up."""
    stored_bytes: Counter[str] = field(default_factory=Counter)
    """type -> bytes written to the store."""
    invalidations: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(type, origin "admin" | "event") -> entries invalidated."""

    def lookup_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [(key, float(n)) for key, n in self.lookups.items()]

    def byte_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [((name,), float(n)) for name, n in self.stored_bytes.items()]

    def invalidation_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [(key, float(n)) for key, n in self.invalidations.items()]
