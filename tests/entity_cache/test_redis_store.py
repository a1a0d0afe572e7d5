"""RedisStore against the real Redis (6379): its tag index stays as small as what it
indexes, and invalidation drops exactly what it names, batch by batch. Each test has
its own namespace, removed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis

from supergraph.executor.entity_cache import RedisStore
from supergraph.executor.entity_cache import keys as k
from supergraph.executor.entity_cache.invalidation import parse_invalidations, selectors
from supergraph.executor.entity_cache.store import Entry, Selector
from tests.kit.redis_namespace import REDIS_URL, RedisNamespace


@pytest.fixture
def ns() -> Iterator[str]:
    with RedisNamespace("store") as name:
        yield name


@pytest.fixture
def plain() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


def root_entry(ns: str, variables: int, ttl: int = 60) -> Entry:
    key = k.root_key(ns, "products", k.selection_hash("{ top }", {"n": variables}))
    tags = (k.subgraph_tag(ns, "products"), k.root_tag(ns, "products"), k.all_roots_tag(ns))
    return Entry(key, b'{"v":{}}', ttl, tags)


def product_entry(ns: str, upc: str) -> Entry:
    rep = {"__typename": "Product", "upc": upc}
    key = k.entity_key(ns, "products", "Product", rep, "sel")
    return Entry(key, b'{"v":{}}', 60, k.entity_tags(ns, "products", "Product", rep))


async def put_and_close(store: RedisStore, entries: list[Entry], chunk: int = 50) -> None:
    try:
        for start in range(0, len(entries), chunk):
            await store.put_many(entries[start : start + chunk])
    finally:
        await store.aclose()


def test_a_flood_of_distinct_variables_grows_no_tag_beyond_the_cap(
    ns: str, plain: redis.Redis
) -> None:
    store = RedisStore(REDIS_URL, max_tag_members=40)
    asyncio.run(put_and_close(store, [root_entry(ns, i) for i in range(300)]))
    assert store.errors == 0
    for tag in (k.all_roots_tag(ns), k.root_tag(ns, "products"), k.subgraph_tag(ns, "products")):
        assert plain.zcard(tag) == 40
        assert plain.ttl(tag) > 0
    # Evicted entries are gone with their members (never live but unindexed).
    entries = list(plain.scan_iter(match=f"{ns}r:*", count=1000))
    assert len(entries) == 40 and store.evictions == 260
    # The newest ones are kept.
    assert plain.exists(root_entry(ns, 299).key) == 1


def test_members_of_expired_entries_leave_the_tag_on_the_next_write(
    ns: str, plain: redis.Redis
) -> None:
    tag = k.all_roots_tag(ns)
    store = RedisStore(REDIS_URL)
    asyncio.run(put_and_close(store, [root_entry(ns, i) for i in range(30)]))
    assert plain.zcard(tag) == 30
    # Age the members as if their entries had expired (no sleeping in tests).
    plain.zadd(tag, dict.fromkeys(plain.zrange(tag, 0, -1), 1.0))
    again = RedisStore(REDIS_URL)
    asyncio.run(put_and_close(again, [root_entry(ns, 1000)]))
    assert plain.zrange(tag, 0, -1) == [root_entry(ns, 1000).key.encode()]


def test_invalidation_unlinks_in_batches_and_leaves_empty_tags(ns: str, plain: redis.Redis) -> None:
    store = RedisStore(REDIS_URL, scan_batch=16)
    entries = [root_entry(ns, i) for i in range(400)]
    entries += [product_entry(ns, str(i)) for i in range(200)]
    asyncio.run(put_and_close(store, entries))

    async def invalidate(body: object) -> int:
        store = RedisStore(REDIS_URL, scan_batch=16)
        try:
            (invalidation,) = parse_invalidations(body)
            return await store.invalidate(selectors(ns, invalidation))
        finally:
            await store.aclose()

    # One entity: its own entry, plus the subgraph's root answers (coarse, never stale).
    entity = {"kind": "entity", "subgraph": "products", "type": "Product", "key": {"upc": "7"}}
    assert asyncio.run(invalidate(entity)) == 1 + 400
    assert plain.exists(product_entry(ns, "7").key) == 0
    assert plain.exists(product_entry(ns, "8").key) == 1
    # The tags scanned lose the members; the entries' other tags keep theirs until the
    # entries' expiry (bounded by the cap, naming nothing: invalidating them is a no-op).
    assert plain.zcard(k.root_tag(ns, "products")) == 0
    assert plain.zcard(k.type_tag(ns, "Product")) == 199
    assert plain.zcard(k.all_roots_tag(ns)) == 400
    everything = {"kind": "type", "type": "Nothing"}  # selects {ns}root as well
    assert asyncio.run(invalidate(everything)) == 0
    assert plain.zcard(k.all_roots_tag(ns)) == 0
    typed = {"kind": "type", "subgraph": "products", "type": "Product"}
    assert asyncio.run(invalidate(typed)) == 199
    assert plain.zcard(k.type_tag(ns, "Product")) == 0
    assert list(plain.scan_iter(match=f"{ns}e:*", count=1000)) == []


def test_a_tag_left_as_a_set_by_an_older_router_is_replaced(ns: str, plain: redis.Redis) -> None:
    tag = k.all_roots_tag(ns)
    plain.sadd(tag, "old")
    store = RedisStore(REDIS_URL)
    asyncio.run(put_and_close(store, [root_entry(ns, 1)]))
    assert store.errors == 0 and plain.type(tag) == b"zset" and plain.zcard(tag) == 1


def test_a_plain_set_tag_is_converted_with_its_live_members(ns: str, plain: redis.Redis) -> None:
    # An older router's tag: a plain set naming a live entry and one already expired.
    tag = k.all_roots_tag(ns)
    live, dead = root_entry(ns, 1), root_entry(ns, 2)
    plain.set(live.key, live.value, ex=30)
    plain.sadd(tag, live.key, dead.key)
    store = RedisStore(REDIS_URL)
    asyncio.run(put_and_close(store, [root_entry(ns, 3)]))
    assert store.errors == 0 and plain.type(tag) == b"zset"
    assert set(plain.zrange(tag, 0, -1)) == {live.key.encode(), root_entry(ns, 3).key.encode()}
    # Scored by the old entry's own expiry, not the new write's.
    assert plain.zscore(tag, live.key) < plain.zscore(tag, root_entry(ns, 3).key)

    async def invalidate() -> int:
        store = RedisStore(REDIS_URL)
        try:
            return await store.invalidate([Selector((tag,))])
        finally:
            await store.aclose()

    # The entry indexed only by the old set can still be invalidated.
    assert asyncio.run(invalidate()) == 2
    assert plain.exists(live.key) == 0


def test_invalidation_reads_a_tag_still_a_plain_set(ns: str, plain: redis.Redis) -> None:
    entries = [product_entry(ns, str(i)) for i in range(5)]
    for entry in entries:
        plain.set(entry.key, entry.value, ex=60)
    # Tags as an older router left them: plain sets, one selector with two of them.
    type_tag, subgraph_tag = entries[0].tags[0], entries[0].tags[1]
    plain.sadd(type_tag, *(entry.key for entry in entries))
    plain.sadd(subgraph_tag, *(entry.key for entry in entries[:3]))

    async def invalidate(selector: Selector) -> int:
        store = RedisStore(REDIS_URL, scan_batch=2)
        try:
            return await store.invalidate([selector])
        finally:
            await store.aclose()

    assert asyncio.run(invalidate(Selector((type_tag, subgraph_tag)))) == 3
    assert [plain.exists(entry.key) for entry in entries] == [0, 0, 0, 1, 1]
    assert plain.scard(type_tag) == 2 and plain.scard(subgraph_tag) == 0
    assert asyncio.run(invalidate(Selector((type_tag,)))) == 2
