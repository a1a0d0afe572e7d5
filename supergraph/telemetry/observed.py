"""Counts kept by the objects that count them (caches, persisted queries), observed by
OpenTelemetry instruments when a metrics export collects.

    watch(family, read)     the reader of a Prometheus family (http/metrics.py `watch`
                            and `watch_gauges` pass every one here; the latest wins)
    register(meter)         the observable instruments of `INSTRUMENTS` on an export's meter

The Prometheus families stay the source: each instrument reads a family's rows (label
values, total) at collection time, so the request path pays nothing more, and a
reloaded app's new reader replaces the old one under the same instrument.

Names are Apollo Router's where it has the instrument (its standard instruments:
`apollo.router.cache.size`, `apollo.router.cache.storage.estimated_size`, and its
hit/miss counts `apollo.router.cache.hit.count` / `.miss.count`, attribute `kind`:
which cache). Apollo also times lookups (`apollo.router.cache.hit.time`): ours are
counted, not timed, so no time is made up. What Apollo has no instrument for is
under `supergraph.` (evictions, persisted queries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from opentelemetry.metrics import CallbackOptions, Meter, Observation

logger = logging.getLogger(__name__)

Rows = Callable[[], Iterable[tuple[tuple[str, ...], float]]]


@dataclass(frozen=True, slots=True)
class Observed:
    """The instrument `name` made of the rows of Prometheus `family`."""

    name: str
    kind: Literal["counter", "gauge"]
    unit: str
    description: str
    family: str
    attributes: tuple[str | None, ...]
    """The attribute name of each label of the family (None: the label is dropped)."""
    only: tuple[int, str] | None = None
    """Only the rows whose label at this index has this value."""
    fixed: tuple[tuple[str, str], ...] = ()
    """Attributes every point of this family carries."""


def _lookups(family: str, result: str, fixed: tuple[tuple[str, str], ...] = ()) -> Observed:
    entity = family == "router_entity_cache_lookups"
    return Observed(
        f"apollo.router.cache.{result}.count",
        "counter",
        "{lookup}",
        f"Cache lookups that were a {result}.",
        family,
        ("graphql.type.name" if entity else "kind", None),
        only=(1, result),
        fixed=fixed,
    )


ENTITY: Final = (("kind", "entity"),)

INSTRUMENTS: Final = (
    _lookups("router_cache_lookups", "hit"),
    _lookups("router_cache_lookups", "miss"),
    _lookups("router_entity_cache_lookups", "hit", ENTITY),
    _lookups("router_entity_cache_lookups", "miss", ENTITY),
    Observed(
        "apollo.router.cache.size",
        "gauge",
        "{entry}",
        "Entries each cache holds.",
        "router_cache_entries",
        ("kind",),
    ),
    Observed(
        "apollo.router.cache.storage.estimated_size",
        "gauge",
        "By",
        "Bytes each cache holds, by its own accounting (keys and values).",
        "router_cache_bytes",
        ("kind",),
    ),
    Observed(
        "supergraph.cache.evictions",
        "counter",
        "{entry}",
        "Cache entries evicted to make room for more used ones.",
        "router_cache_evictions",
        ("kind",),
    ),
    Observed(
        "supergraph.persisted_queries",
        "counter",
        "{lookup}",
        "Persisted query lookups (hit, miss) and APQ registrations.",
        "router_persisted_queries",
        ("result",),
    ),
)

_readers: dict[str, Rows] = {}


def watch(family: str, read: Rows) -> None:
    _readers[family] = read


def register(meter: Meter) -> None:
    # One instrument per name, one callback per family feeding it: the SDK keeps the
    # first instrument of a name and would drop a second one's callback.
    by_name: dict[str, list[Observed]] = {}
    for observed in INSTRUMENTS:
        by_name.setdefault(observed.name, []).append(observed)
    for name, feeding in by_name.items():
        first = feeding[0]
        callbacks = [_callback(observed) for observed in feeding]
        if first.kind == "counter":
            meter.create_observable_counter(
                name, callbacks, unit=first.unit, description=first.description
            )
        else:
            meter.create_observable_gauge(
                name, callbacks, unit=first.unit, description=first.description
            )


def _callback(observed: Observed) -> Callable[[CallbackOptions], Iterator[Observation]]:
    def observe(_options: CallbackOptions) -> Iterator[Observation]:
        read = _readers.get(observed.family)
        if read is None:
            return iter(())
        return iter(_observations(observed, _rows(read)))

    return observe


def _rows(read: Rows) -> list[tuple[tuple[str, ...], float]]:
    # Collected on the exporter's thread while requests count on the loop's: a dict of
    # counts may grow under the reader. Such a round is skipped, the next one reads it.
    try:
        return list(read())
    except RuntimeError:
        logger.debug("metrics: counts changed while read; skipped this round", exc_info=True)
        return []


def _observations(
    observed: Observed, rows: list[tuple[tuple[str, ...], float]]
) -> list[Observation]:
    found = []
    for labels, value in rows:
        if observed.only is not None and labels[observed.only[0]] != observed.only[1]:
            continue
        attributes = dict(observed.fixed)
        for name, label in zip(observed.attributes, labels, strict=True):
            if name is not None:
                attributes[name] = label
        found.append(Observation(value, attributes))
    return found
