"""CachingTransport on its own, over an in-process subgraph (MockTransport): what is
sent, what is kept, for whom, for how long. The store is the in-memory one here;
tests/e2e/test_entity_cache.py runs the same against Redis and the real subgraphs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from supergraph.executor.entity_cache import (
    CacheScope,
    CacheSettings,
    CachingTransport,
    MemoryStore,
    SubgraphCache,
    cache_scope,
    parse_invalidations,
)
from supergraph.executor.entity_cache.carried import with_cache_control
from supergraph.executor.entity_cache.invalidation import InvalidRequest, invalidate
from supergraph.executor.entity_cache.policy import NO_STORE, CachePolicy
from supergraph.executor.entity_cache.store import Entry, Selector
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest

ENTITIES = (
    "query Op__reviews__1($representations:[_Any!]!){_entities(representations:"
    "$representations){...on Product{averageRating}}}"
)


def product(upc: str) -> dict[str, Any]:
    return {"__typename": "Product", "upc": upc}


class Subgraph:
    """Answers each representation with its rating; an upc in `failing` gets an error."""

    def __init__(self, cache_control: str | None = "public, max-age=60") -> None:
        self.cache_control = cache_control
        self.failing: set[str] = set()
        self.transport = MockTransport(self.answer)

    def answer(self, subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        reps = request.variables.get("representations")
        if reps is None:
            return with_cache_control({"data": {"top": [1, 2]}}, self.cache_control)
        entities: list[Any] = []
        errors = []
        for i, rep in enumerate(reps):
            if rep["upc"] in self.failing:
                entities.append(None)
                errors.append({"message": "boom", "path": ["_entities", i, "averageRating"]})
            else:
                entities.append({"averageRating": float(len(rep["upc"]))})
        body: dict[str, Any] = {"data": {"_entities": entities}}
        if errors:
            body["errors"] = errors
        return with_cache_control(body, self.cache_control)

    def sent(self) -> list[list[str]]:
        return [
            [r["upc"] for r in req.variables["representations"]]
            for _, req in self.transport.requests
        ]


def caching(
    subgraph: Subgraph, store: MemoryStore | None = None, **settings: Any
) -> CachingTransport:
    return CachingTransport(
        subgraph.transport,
        CacheSettings(**settings),
        store if store is not None else MemoryStore(1 << 20),
    )


def fetch(
    transport: CachingTransport,
    upcs: list[str],
    who: str | None = None,
    scope: CacheScope | None = None,
) -> tuple[dict[str, Any], CacheScope]:
    used = scope or CacheScope(who)
    request = SubgraphRequest(ENTITIES, {"representations": [product(u) for u in upcs]})

    async def run() -> dict[str, Any]:
        with cache_scope(used):
            return await transport.send("reviews", request)

    return asyncio.run(run()), used


def test_a_partial_hit_sends_only_the_missing_representations_in_order() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph)
    fetch(cache, ["1", "22"])
    answer, _ = fetch(cache, ["333", "1", "4444", "22"])
    assert subgraph.sent() == [["1", "22"], ["333", "4444"]]
    assert answer["data"]["_entities"] == [
        {"averageRating": 3.0},
        {"averageRating": 1.0},
        {"averageRating": 4.0},
        {"averageRating": 2.0},
    ]
    whole, _ = fetch(cache, ["22", "1", "4444", "333"])
    assert len(subgraph.sent()) == 2  # every one a hit: nothing sent
    assert [e["averageRating"] for e in whole["data"]["_entities"]] == [2.0, 1.0, 4.0, 3.0]


def test_errors_are_renumbered_and_failed_entities_not_kept() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph)
    fetch(cache, ["1"])
    subgraph.failing = {"22"}
    answer, _ = fetch(cache, ["1", "22"])
    # Sent as index 0 of one; the executor sees it at index 1, where it asked.
    assert answer["errors"][0]["path"] == ["_entities", 1, "averageRating"]
    assert answer["data"]["_entities"] == [{"averageRating": 1.0}, None]
    subgraph.failing = set()
    fetch(cache, ["1", "22"])
    assert subgraph.sent()[-1] == ["22"]


@pytest.mark.parametrize("header", ["no-store", "no-cache, max-age=60", "max-age=0"])
def test_what_may_not_be_stored_is_fetched_every_time(header: str) -> None:
    subgraph = Subgraph(header)
    cache = caching(subgraph)
    _, used = fetch(cache, ["1"])
    fetch(cache, ["1"])
    assert subgraph.sent() == [["1"], ["1"]]
    assert used.header() == "no-store"


def test_private_answers_are_kept_per_caller_and_never_without_one() -> None:
    subgraph = Subgraph("private, max-age=60")
    cache = caching(subgraph)
    fetch(cache, ["1"], who=None)
    fetch(cache, ["1"], who=None)
    assert subgraph.sent() == [["1"], ["1"]]  # anonymous: nobody to keep it for
    fetch(cache, ["1"], who="alice")
    _, used = fetch(cache, ["1"], who="alice")
    assert len(subgraph.sent()) == 3
    assert used.header() in ("max-age=60,private", "max-age=59,private")  # what is left
    fetch(cache, ["1"], who="bob")  # alice's entry is not bob's
    assert subgraph.sent()[-1] == ["1"] and len(subgraph.sent()) == 4


def test_a_missing_cache_control_lives_the_configured_ttl() -> None:
    subgraph = Subgraph(None)
    cache = caching(subgraph, all=SubgraphCache(ttl=7))
    _, used = fetch(cache, ["1"])
    assert used.header() == "max-age=7,public"
    fetch(cache, ["1"])
    assert len(subgraph.sent()) == 1


def test_a_disabled_subgraph_is_always_asked() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph, subgraphs={"reviews": SubgraphCache(enabled=False)})
    fetch(cache, ["1"])
    fetch(cache, ["1"])
    assert len(subgraph.sent()) == 2


def test_outside_a_scope_and_for_mutations_nothing_is_cached() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph)
    request = SubgraphRequest(ENTITIES, {"representations": [product("1")]})
    asyncio.run(cache.send("reviews", request))
    asyncio.run(cache.send("reviews", request))
    mutation = SubgraphRequest("mutation { top }", {})

    async def in_scope() -> None:
        with cache_scope(CacheScope(None)):
            await cache.send("reviews", mutation)
            await cache.send("reviews", mutation)

    asyncio.run(in_scope())
    assert subgraph.transport.counts["reviews"] == 4


def test_root_fields_are_cached_per_operation_and_variables() -> None:
    subgraph = Subgraph("max-age=30")
    cache = caching(subgraph)

    async def run(variables: dict[str, Any]) -> dict[str, Any]:
        with cache_scope(CacheScope(None)):
            request = SubgraphRequest("query A($n:Int){top(n:$n)}", variables, "A")
            return await cache.send("reviews", request)

    first = asyncio.run(run({"n": 1}))
    assert asyncio.run(run({"n": 1})) == first
    asyncio.run(run({"n": 2}))
    assert subgraph.transport.counts["reviews"] == 2


def test_entries_over_the_size_cap_are_not_kept() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph, max_entry_bytes=10)
    fetch(cache, ["1"])
    fetch(cache, ["1"])
    assert len(subgraph.sent()) == 2


def test_the_memory_store_stays_within_its_bytes() -> None:
    store = MemoryStore(2000)
    subgraph = Subgraph()
    cache = caching(subgraph, store)
    for i in range(100):
        fetch(cache, [str(i)])
    assert store.bytes <= 2000 and store.evictions > 0 and len(store) < 100
    fetch(cache, ["99"])  # the most recent one is still there
    assert len(subgraph.sent()) == 100


def test_invalidation_by_entity_key_drops_only_that_entity() -> None:
    subgraph = Subgraph()
    store = MemoryStore(1 << 20)
    cache = caching(subgraph, store)
    fetch(cache, ["1", "22"])
    request = [{"kind": "entity", "subgraph": "reviews", "type": "Product", "key": {"upc": "1"}}]
    counts = cache.counts
    counts.known_types = frozenset({"Product"})
    dropped = asyncio.run(
        invalidate(store, cache.settings.namespace, parse_invalidations(request), counts, "admin")
    )
    assert dropped == 1 and counts.invalidations["Product", "admin"] == 1
    fetch(cache, ["1", "22"])
    assert subgraph.sent()[-1] == ["1"]
    by_type = parse_invalidations({"kind": "type", "type": "Product"})
    asyncio.run(invalidate(store, cache.settings.namespace, by_type, counts, "event"))
    fetch(cache, ["1", "22"])
    assert subgraph.sent()[-1] == ["1", "22"]


def test_invalidation_metrics_label_only_the_supergraphs_types() -> None:
    store = MemoryStore(1 << 20)
    counts = caching(Subgraph(), store).counts
    counts.known_types = frozenset({"Product"})
    names = ["Product", *(f"Spam{i}" for i in range(50))]
    body = [{"kind": "type", "type": name} for name in names]
    body.append({"kind": "subgraph", "subgraph": "reviews"})
    asyncio.run(invalidate(store, "ns:", parse_invalidations(body), counts, "admin"))
    assert {label for label, _origin in counts.invalidations} == {"Product", "other", "*"}


def test_the_memory_store_counts_each_entrys_tags() -> None:
    store = MemoryStore(1 << 20)
    tags = tuple("t" * 1000 + str(i) for i in range(10))
    asyncio.run(store.put_many([Entry("k", b"v", 60, tags)]))
    assert store.bytes > 10 * 1000
    asyncio.run(store.invalidate([Selector((tags[0],))]))
    assert store.bytes == 0


@pytest.mark.parametrize(
    "body",
    [
        [{"kind": "entity", "type": "Product"}],  # no key
        [{"kind": "subgraph"}],
        [{"kind": "everything"}],
        ["Product"],
        [{"kind": "type", "type": 5}],
    ],
)
def test_a_malformed_invalidation_is_refused(body: object) -> None:
    with pytest.raises(InvalidRequest):
        parse_invalidations(body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("public, max-age=60", CachePolicy(60)),
        ("private, max-age=5", CachePolicy(5, private=True)),
        ("max-age=60, s-maxage=10", CachePolicy(10)),
        ("private, max-age=60, s-maxage=10", CachePolicy(60, private=True)),
        ("no-store", NO_STORE),
        ("max-age=abc", NO_STORE),
        ("private", CachePolicy(30, private=True)),
        (None, CachePolicy(30)),
    ],
)
def test_cache_control_is_read_as_apollo_does(header: str | None, expected: CachePolicy) -> None:
    assert CachePolicy.parse(header, 30) == expected


def test_the_client_gets_the_minimum_of_what_it_used() -> None:
    scope = CacheScope(None)
    scope.used(CachePolicy(60))
    scope.used(CachePolicy(10, private=True))
    assert scope.header() == "max-age=10,private"
    scope.used(NO_STORE)
    assert scope.header() == "no-store"


def test_a_failed_or_erroneous_fetch_makes_the_answer_no_store() -> None:
    subgraph = Subgraph()
    cache = caching(subgraph)
    subgraph.failing = {"1"}
    _, used = fetch(cache, ["1"])
    assert used.header() == "no-store"

    async def broken(_subgraph: str, _request: SubgraphRequest) -> dict[str, Any]:
        raise ConnectionError("down")

    failing = CachingTransport(MockTransport(broken), CacheSettings(), MemoryStore(1 << 20))
    scope = CacheScope(None)
    with pytest.raises(ConnectionError):
        fetch(failing, ["1"], scope=scope)
    assert scope.header() == "no-store"
