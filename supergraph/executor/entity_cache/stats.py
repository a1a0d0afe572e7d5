"""What the entity cache counts, read by metrics at scrape time (pipeline/caches.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

ROOT_TYPE = "Query"
"""The type label of root-field entries."""
ALL_TYPES = "*"
"""The type label of a whole subgraph's invalidation."""
OTHER_TYPE = "other"
"""The type label of an invalidation naming a type the supergraph does not have."""


@dataclass(slots=True)
class CacheCounts:
    lookups: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(type, "hit" | "miss") -> entries looked up."""
    stored_bytes: Counter[str] = field(default_factory=Counter)
    """type -> bytes written to the store."""
    invalidations: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(type, origin "admin" | "event") -> entries invalidated."""
    known_types: frozenset[str] = frozenset()
    """The supergraph's types: the only type labels an invalidation may add (the admin
    endpoint's body names any string; the metric's label values must stay bounded)."""

    def invalidated(self, typename: str | None, origin: str, entries: int) -> None:
        if typename is None:
            label = ALL_TYPES
        else:
            label = typename if typename in self.known_types else OTHER_TYPE
        self.invalidations[label, origin] += entries

    def lookup_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [(key, float(n)) for key, n in self.lookups.items()]

    def byte_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [((name,), float(n)) for name, n in self.stored_bytes.items()]

    def invalidation_rows(self) -> list[tuple[tuple[str, ...], float]]:
        return [(key, float(n)) for key, n in self.invalidations.items()]
