"""Invalidation requests, in Apollo Router's shape, and what they drop.

    [{"kind": "subgraph", "subgraph": "products"},
     {"kind": "type", "subgraph": "products", "type": "Product"},
     {"kind": "entity", "subgraph": "products", "type": "Product", "key": {"upc": "1"}}]

`subgraph` may be left out of `type` and `entity` (the domain events do: a
product changed, whichever subgraph cached it). Root-field answers have no key
to tell which of them hold the entity: invalidating a type or an entity drops
the root-field answers of its subgraph (of every subgraph without one) too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supergraph.executor.entity_cache import keys
from supergraph.executor.entity_cache.stats import CacheCounts
from supergraph.executor.entity_cache.store import EntryStore, Selector
from supergraph.types import JSONObject

MAX_REQUESTS = 1000
"""Invalidations in one body (each is a few Redis commands)."""


class InvalidRequest(ValueError):
    """The body is not a list of invalidations: the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Invalidation:
    kind: str
    subgraph: str | None = None
    type: str | None = None
    key: JSONObject | None = None


def parse_invalidations(body: object) -> list[Invalidation]:
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_REQUESTS:
        raise InvalidRequest(f"at most {MAX_REQUESTS} invalidations per request")
    return [_parse(item, i) for i, item in enumerate(items)]


def _parse(item: object, index: int) -> Invalidation:
    where = f"invalidation {index}"
    if not isinstance(item, dict):
        raise InvalidRequest(f"{where}: expected an object")
    kind = item.get("kind")
    subgraph = item.get("subgraph")
    typename = item.get("type")
    key = item.get("key")
    if subgraph is not None and not isinstance(subgraph, str):
        raise InvalidRequest(f"{where}: subgraph must be a string")
    if kind == "subgraph":
        if subgraph is None:
            raise InvalidRequest(f"{where}: kind subgraph needs a subgraph")
        return Invalidation("subgraph", subgraph)
    if kind not in ("type", "entity"):
        raise InvalidRequest(f"{where}: kind must be subgraph, type or entity")
    if not isinstance(typename, str) or not typename:
        raise InvalidRequest(f"{where}: kind {kind} needs a type")
    if kind == "type":
        return Invalidation("type", subgraph, typename)
    if not isinstance(key, dict) or not key:
        raise InvalidRequest(f"{where}: kind entity needs a key object")
    return Invalidation("entity", subgraph, typename, key)


def selectors(ns: str, invalidation: Invalidation) -> list[Selector]:
    sub = invalidation.subgraph
    roots = keys.root_tag(ns, sub) if sub is not None else keys.all_roots_tag(ns)
    if invalidation.kind == "subgraph":
        assert sub is not None
        return [Selector((keys.subgraph_tag(ns, sub),))]
    assert invalidation.type is not None
    prefix = None if sub is None else keys.entity_prefix(ns, sub)
    tags = [keys.type_tag(ns, invalidation.type)]
    for name, value in (invalidation.key or {}).items():
        tags.append(keys.field_tag(ns, invalidation.type, name, value))
    return [Selector(tuple(tags), prefix), Selector((roots,))]


async def invalidate(
    store: EntryStore,
    ns: str,
    invalidations: Sequence[Invalidation],
    counts: CacheCounts,
    origin: str,
) -> int:
    """Drop what `invalidations` name; how many entries went. Raises what the store raises."""
    total = 0
    for invalidation in invalidations:
        dropped = await store.invalidate(selectors(ns, invalidation))
        counts.invalidated(invalidation.type, origin, dropped)
        total += dropped
    return total
