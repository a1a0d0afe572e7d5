"""The entity cache in the fetch path: a `SubgraphTransport` around the real one.

    CachingTransport(inner, settings, store, counts)

Inside a request's cache scope (scope.py) a query's subgraph request is answered
from the cache where it can be:

- an `_entities` request: each representation is looked up (public entry, then the
  caller's private one); only the missing ones are sent, in a smaller
  `representations` list, and the answer is put back together in the original
  order (errors' `_entities.i` paths renumbered), so the executor sees the answer it
  asked for. Entities the subgraph answered without error are stored.
- any other query (root fields): the whole answer, keyed by operation and
  variables, stored when it has no errors.

What may be stored and for how long is the subgraph's Cache-Control (policy.py);
`private` answers only under the caller's identity, never without one. Every
answer used, cached or fetched, lowers the scope's policy: the client response's
Cache-Control. Outside a scope, and for mutations, requests pass through.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from supergraph.executor.entity_cache import keys
from supergraph.executor.entity_cache.carried import cache_control_of
from supergraph.executor.entity_cache.policy import NO_STORE, CachePolicy
from supergraph.executor.entity_cache.scope import CacheScope, current_scope
from supergraph.executor.entity_cache.settings import CacheSettings, SubgraphCache
from supergraph.executor.entity_cache.stats import ROOT_TYPE, CacheCounts
from supergraph.executor.entity_cache.store import Entry, EntryStore
from supergraph.executor.transport import SubgraphRequest, SubgraphTransport
from supergraph.types import JSONObject


@dataclass(frozen=True, slots=True)
class _Cached:
    value: object
    policy: CachePolicy


class CachingTransport:
    def __init__(
        self,
        inner: SubgraphTransport,
        settings: CacheSettings,
        store: EntryStore,
        counts: CacheCounts | None = None,
    ) -> None:
        self.inner = inner
        self.settings = settings
        self.store = store
        self.counts = counts or CacheCounts()

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        scope = current_scope()
        if scope is None or not request.is_query:
            return await self.inner.send(subgraph, request)
        config = self.settings.of(subgraph)
        if not config.enabled:
            response = await self._fetch(subgraph, request, scope)
            scope.used(_policy(response, config))
            return response
        representations = request.variables.get("representations")
        if isinstance(representations, list) and representations and _entities_only(request):
            return await self._entities(subgraph, request, representations, scope, config)
        return await self._root(subgraph, request, scope, config)

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            await self.store.aclose()

    # -- root fields ------------------------------------------------------------------

    async def _root(
        self, subgraph: str, request: SubgraphRequest, scope: CacheScope, config: SubgraphCache
    ) -> JSONObject:
        ns = self.settings.namespace
        key = keys.root_key(ns, subgraph, keys.selection_hash(request.query, request.variables))
        wanted = self._candidates(key, scope)
        for found in await self._lookup(wanted):
            if found is not None and isinstance(found.value, dict):
                self.counts.lookups[ROOT_TYPE, "hit"] += 1
                scope.used(found.policy)
                return {"data": found.value}
        self.counts.lookups[ROOT_TYPE, "miss"] += 1
        response = await self._fetch(subgraph, request, scope)
        policy = _policy(response, config)
        scope.used(policy)
        data = response.get("data")
        if isinstance(data, dict) and not response.get("errors"):
            tags = (
                keys.subgraph_tag(ns, subgraph),
                keys.root_tag(ns, subgraph),
                keys.all_roots_tag(ns),
            )
            entry = self._entry(key, data, policy, scope, tags, ROOT_TYPE)
            if entry is not None:
                await self.store.put_many([entry])
        return response

    # -- entities ---------------------------------------------------------------------

    async def _entities(
        self,
        subgraph: str,
        request: SubgraphRequest,
        representations: list[object],
        scope: CacheScope,
        config: SubgraphCache,
    ) -> JSONObject:
        ns = self.settings.namespace
        sel = keys.selection_hash(request.query, request.variables, skip="representations")
        entity_keys: list[str | None] = []
        for rep in representations:
            typename = rep.get("__typename") if isinstance(rep, dict) else None
            if isinstance(rep, dict) and isinstance(typename, str):
                entity_keys.append(keys.entity_key(ns, subgraph, typename, rep, sel))
            else:
                entity_keys.append(None)  # not ours to cache: always sent
        wanted = [self._candidates(key, scope) if key else [] for key in entity_keys]
        flat = [key for each in wanted for key in each]
        found = iter(await self._lookup(flat))
        entities: list[object] = [None] * len(representations)
        missing: list[int] = []
        for i, candidates in enumerate(wanted):
            # Only objects are stored: anything else (a foreign or corrupt entry in a
            # shared Redis) is a miss, never a null entity without an error.
            hit = next(
                (
                    f
                    for f in [next(found) for _ in candidates]
                    if f is not None and isinstance(f.value, dict)
                ),
                None,
            )
            typename = _typename(representations[i])
            if hit is None:
                missing.append(i)
                self.counts.lookups[typename, "miss"] += 1
            else:
                entities[i] = hit.value
                scope.used(hit.policy)
                self.counts.lookups[typename, "hit"] += 1
        if not missing:
            return {"data": {"_entities": entities}}
        sent = [representations[i] for i in missing]
        variables = {**request.variables, "representations": sent}
        smaller = SubgraphRequest(request.query, variables, request.operation_name, request.headers)
        response = await self._fetch(subgraph, smaller, scope)
        scope.used(_policy(response, config))
        policy = CachePolicy.parse(cache_control_of(response), config.ttl)
        await self._store_entities(
            subgraph, response, missing, representations, entity_keys, policy, scope
        )
        if len(missing) == len(representations):
            return response
        return _reassembled(response, entities, missing)

    async def _store_entities(
        self,
        subgraph: str,
        response: JSONObject,
        missing: list[int],
        representations: list[object],
        entity_keys: list[str | None],
        policy: CachePolicy,
        scope: CacheScope,
    ) -> None:
        data = response.get("data")
        fetched = data.get("_entities") if isinstance(data, dict) else None
        if policy.no_store or not isinstance(fetched, list) or len(fetched) != len(missing):
            return
        failed = _failed_indexes(response.get("errors"))
        if failed is None:
            return  # an error the router cannot place: keep nothing of this answer
        entries: list[Entry] = []
        ns = self.settings.namespace
        for m, i in enumerate(missing):
            key, entity, rep = entity_keys[i], fetched[m], representations[i]
            if key is None or m in failed or not isinstance(entity, dict):
                continue
            assert isinstance(rep, dict)
            typename = rep["__typename"]
            tags = keys.entity_tags(ns, subgraph, typename, rep)
            entry = self._entry(key, entity, policy, scope, tags, typename)
            if entry is not None:
                entries.append(entry)
        await self.store.put_many(entries)

    async def _fetch(
        self, subgraph: str, request: SubgraphRequest, scope: CacheScope
    ) -> JSONObject:
        try:
            return await self.inner.send(subgraph, request)
        except BaseException:
            scope.used(NO_STORE)  # the client's answer will carry the failure
            raise

    # -- store ------------------------------------------------------------------------

    def _candidates(self, key: str, scope: CacheScope) -> list[str]:
        """The public entry, then the caller's private one."""
        if scope.private_id is None:
            return [key]
        return [key, key + keys.private_suffix(scope.private_id)]

    async def _lookup(self, wanted: Sequence[str]) -> list[_Cached | None]:
        if not wanted:
            return []
        now = time.time()
        found: list[_Cached | None] = []
        for raw in await self.store.get_many(wanted):
            found.append(None if raw is None else _decoded(raw, now))
        return found

    def _entry(
        self,
        key: str,
        value: object,
        policy: CachePolicy,
        scope: CacheScope,
        tags: tuple[str, ...],
        typename: str,
    ) -> Entry | None:
        if policy.no_store:
            return None
        if policy.private:
            if scope.private_id is None:
                return None  # private and nobody to keep it for
            key += keys.private_suffix(scope.private_id)
        expires = time.time() + policy.max_age
        body = orjson.dumps({"v": value, "x": expires, "p": policy.private})
        if len(body) > self.settings.max_entry_bytes:
            return None
        self.counts.stored_bytes[typename] += len(body)
        return Entry(key, body, policy.max_age, tags)


def _policy(response: JSONObject, config: SubgraphCache) -> CachePolicy:
    """What the answer lets the client's response claim: an answer with errors, nothing
    (the entities it did answer may still be kept: `_store_entities`)."""
    if response.get("errors"):
        return NO_STORE
    return CachePolicy.parse(cache_control_of(response), config.ttl)


def _entities_only(request: SubgraphRequest) -> bool:
    """A plain entity fetch: one `_entities` field over `$representations` (contextual
    fetches send several aliased lists, which are not cached)."""
    return request.query.count("_entities(") == 1 and "$representations" in request.query


def _typename(rep: object) -> str:
    typename = rep.get("__typename") if isinstance(rep, dict) else None
    return typename if isinstance(typename, str) else "?"


def _decoded(raw: bytes, now: float) -> _Cached | None:
    try:
        stored = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(stored, dict):
        return None
    expires = stored.get("x")
    if not isinstance(expires, int | float) or expires <= now:
        return None
    left = max(1, int(expires - now))
    return _Cached(stored.get("v"), CachePolicy(left, bool(stored.get("p"))))


def _failed_indexes(errors: object) -> set[int] | None:
    """Indexes of `_entities` with an error; None when an error names no entity."""
    if errors is None:
        return set()
    if not isinstance(errors, list):
        return None
    failed: set[int] = set()
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        if not isinstance(path, list) or len(path) < 2 or path[0] != "_entities":
            return None
        if not isinstance(path[1], int):
            return None
        failed.add(path[1])
    return failed


def _reassembled(response: JSONObject, entities: list[object], missing: list[int]) -> JSONObject:
    """The subgraph's answer for the `missing` positions merged with the cached ones."""
    data = response.get("data")
    fetched = data.get("_entities") if isinstance(data, dict) else None
    result: JSONObject = dict(response)
    if isinstance(fetched, list) and len(fetched) == len(missing):
        for m, i in enumerate(missing):
            entities[i] = fetched[m]
        result["data"] = {**data, "_entities": entities} if isinstance(data, dict) else data
    errors = response.get("errors")
    if isinstance(errors, list):
        result["errors"] = [_renumbered(error, missing) for error in errors]
    return result


def _renumbered(error: object, missing: list[int]) -> object:
    path = error.get("path") if isinstance(error, dict) else None
    if not isinstance(error, dict) or not isinstance(path, list) or len(path) < 2:
        return error
    if path[0] != "_entities" or not isinstance(path[1], int) or not 0 <= path[1] < len(missing):
        return error
    return {**error, "path": ["_entities", missing[path[1]], *path[2:]]}
