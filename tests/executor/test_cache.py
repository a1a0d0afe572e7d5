"""WeightedCache: byte and entry bounds, oversize entries, TinyLFU admission, eviction
order; the frequency sketch; the thread-safe memo; the footprint of object graphs."""

from __future__ import annotations

import gc
import sys
import threading
import tracemalloc
from dataclasses import dataclass

import pytest

from supergraph.executor.cache import (
    ENTRY_OVERHEAD,
    HEAVY_MIN_BYTES,
    FrequencySketch,
    WeightedCache,
    memoize,
)
from supergraph.executor.execute import entity_field_conditions, selects_anything
from supergraph.executor.footprint import OBJECTS, Footprint


def _sized(max_entries: int = 100, max_bytes: int = 100_000) -> WeightedCache[str, int]:
    """Values are the entries' weights (bookkeeping included)."""
    return WeightedCache(
        max_entries=max_entries, max_bytes=max_bytes, weigh=lambda _k, v: v - ENTRY_OVERHEAD
    )


def _used(cache: WeightedCache[str, int], key: str, weight: int, times: int) -> None:
    """`times` requests for `key`: a lookup, and a put when it missed (as the router does)."""
    for _ in range(times):
        if cache.get(key) is None:
            cache.put(key, weight)


def test_bytes_are_the_weights_plus_bookkeeping_and_stay_within_both_bounds() -> None:
    cache: WeightedCache[str, str] = WeightedCache(
        max_entries=50, max_bytes=40_000, weigh=OBJECTS.of
    )
    for index in range(500):
        cache.put(f"key-{index}", "v" * (index % 7 * 100))
        assert cache.bytes <= 40_000 and len(cache) <= 50
        expected = sum(
            sys.getsizeof(key) + sys.getsizeof(cache.peek(key)) + ENTRY_OVERHEAD for key in cache
        )
        assert cache.bytes == expected
    assert cache.evictions + cache.rejected_admission == 500 - len(cache)


def test_a_heavy_entry_is_stored_from_its_second_put_on_and_a_light_one_at_once() -> None:
    cache = _sized(max_bytes=32 << 20)
    heavy = cache.max_heavy_bytes + 1
    assert cache.max_heavy_bytes == (32 << 20) // 256
    assert not cache.put("one-shot", heavy)
    assert "one-shot" not in cache and cache.bytes == 0 and cache.rejected_first_use == 1
    assert cache.put("one-shot", heavy)  # the sketch remembers the first put
    assert cache.peek("one-shot") == heavy and cache.rejected_first_use == 1
    assert cache.put("light", cache.max_heavy_bytes)
    assert "light" in cache and cache.rejected_first_use == 1
    # Small budgets keep their first-use entries up to HEAVY_MIN_BYTES.
    small = _sized(max_bytes=1 << 20)
    assert small.max_heavy_bytes == HEAVY_MIN_BYTES
    assert small.put("first", HEAVY_MIN_BYTES) and "first" in small


def test_an_entry_heavier_than_a_sixteenth_of_the_budget_is_not_cached() -> None:
    cache = _sized(max_bytes=16_000)
    assert cache.max_entry_bytes == 1_000
    assert cache.put("small", 1_000)
    assert not cache.put("huge", 1_001)
    assert "huge" not in cache and cache.rejected_oversize == 1
    # A key whose new value is too heavy loses its old one too (never a stale answer).
    assert not cache.put("small", 5_000)
    assert "small" not in cache and cache.bytes == 0


def test_one_shot_entries_never_push_out_entries_used_again() -> None:
    cache = _sized(max_entries=100, max_bytes=1_000_000)
    hot = [f"hot-{i}" for i in range(60)]
    for _ in range(3):
        for key in hot:
            _used(cache, key, 500, 1)
    assert all(key in cache for key in hot)
    hits = cache.hits
    for index in range(10_000):  # long enough for the sketch to age ten times
        _used(cache, f"flood-{index}", 500, 1)
        if index % 10 == 0:  # the normal clients go on meanwhile
            _used(cache, hot[index // 10 % len(hot)], 500, 1)
    assert cache.hits == hits + 1_000  # every one of their lookups hit
    assert all(key in cache for key in hot) and len(cache) == 100
    assert cache.rejected_admission + cache.evictions == 10_000 - (100 - len(hot))


def test_a_newcomer_used_twice_gets_in_past_one_shot_entries() -> None:
    cache = _sized(max_entries=20, max_bytes=1_000_000)
    for index in range(20):
        _used(cache, f"old-{index}", 500, 1)
    for index in range(160):
        _used(cache, f"flood-{index}", 500, 1)
        if index == 100:
            _used(cache, "second-visit", 500, 1)
        if index == 150:
            _used(cache, "second-visit", 500, 1)
    assert "second-visit" in cache


def test_large_one_shot_entries_cannot_flush_a_byte_budget_of_small_hot_ones() -> None:
    cache = _sized(max_entries=1_000, max_bytes=1_600_000)
    hot = [f"hot-{i}" for i in range(100)]
    for _ in range(2):
        for key in hot:
            _used(cache, key, 2_000, 1)
    for index in range(2_000):
        _used(cache, f"flood-{index}", 100_000, 1)  # a sixteenth of the budget each
        assert cache.bytes <= 1_600_000
    assert all(key in cache for key in hot)


def test_eviction_takes_the_least_recent_probation_entry_before_protected_ones() -> None:
    cache = _sized(max_entries=4, max_bytes=1_000_000)  # window 1, main 3 (protected 2)
    for key in ("a", "b", "c", "d"):
        cache.put(key, 500)
    assert list(cache) == ["d", "a", "b", "c"]  # window, then probation
    assert cache.get("a") == 500  # a hit in probation: protected
    assert list(cache) == ["d", "b", "c", "a"]
    cache.put("e", 500)  # d leaves the window: main has room for no one, d loses to b
    assert "d" not in cache and cache.rejected_admission == 1
    assert cache.get("e") == 500 and cache.get("e") == 500  # e: used 3 times
    cache.put("f", 500)  # e leaves the window, used more than b: b (oldest in probation) goes
    assert list(cache) == ["f", "c", "e", "a"]
    assert cache.evictions == 1


def test_a_one_entry_cache_holds_one_entry() -> None:
    cache = _sized(max_entries=1)
    _used(cache, "a", 500, 1)
    _used(cache, "b", 500, 2)
    assert len(cache) == 1 and "b" in cache


def test_replacing_an_entry_reweighs_it() -> None:
    cache = _sized()
    cache.put("a", 400)
    cache.put("a", 900)
    assert cache.bytes == 900 and len(cache) == 1 and cache.get("a") == 900


def test_bookkeeping_per_entry_is_what_tracemalloc_sees() -> None:
    count = 5_000
    keys = [f"key-{index:06d}" for index in range(count)]
    values = [object() for _ in range(count)]
    cache: WeightedCache[str, object] = WeightedCache(
        max_entries=count, max_bytes=1 << 40, weigh=lambda _k, _v: 0
    )
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for key, value in zip(keys, values, strict=True):
            cache.put(key, value)
        gc.collect()
        measured = (tracemalloc.get_traced_memory()[0] - before) / count
    finally:
        tracemalloc.stop()
    assert len(cache) == count
    assert 0.5 * ENTRY_OVERHEAD <= measured <= ENTRY_OVERHEAD


def test_the_sketch_counts_and_ages() -> None:
    sketch = FrequencySketch(capacity=64)
    for _ in range(5):
        sketch.increment("popular")
    sketch.increment("once")
    assert sketch.frequency("popular") >= 5
    assert 1 <= sketch.frequency("once") < sketch.frequency("popular")
    assert sketch.frequency("never") <= 1  # a collision at most
    for index in range(10 * 64):
        before = sketch.frequency("popular")
        if sketch.increment(f"other-{index}"):
            break
    else:
        raise AssertionError("no aging after 10 x capacity additions")
    assert sketch.frequency("popular") <= (before + 1) // 2  # every counter halved


def test_memoize_is_bounded_by_bytes_and_shared_by_threads() -> None:
    calls: list[str] = []

    @memoize(max_entries=100, max_bytes=64_000, weigh=OBJECTS.of)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    def work() -> None:
        for index in range(200):
            assert upper(f"text-{index % 20}") == f"TEXT-{index % 20}"

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(upper.cache) == 20 and len(calls) < 200
    assert upper("x" * 10_000) == "X" * 10_000  # oversize: computed, not kept
    assert len(upper.cache) == 20 and upper.cache.rejected_oversize == 1


def test_memoize_remembers_a_none_result() -> None:
    calls: list[str] = []

    @memoize(max_entries=100, max_bytes=64_000, weigh=OBJECTS.of)
    def nothing(text: str) -> None:
        calls.append(text)

    for _ in range(5):
        assert nothing("a") is None
    assert calls == ["a"]  # computed, weighed and put once, not on every call
    assert nothing.cache.hits == 4 and len(nothing.cache) == 1


def test_an_entity_fetch_without_conditions_skips_the_conditions_memo() -> None:
    memo = entity_field_conditions.cache
    before = (memo.hits, memo.misses, len(memo))
    operation = "query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { name } } }"
    assert selects_anything(operation, {})
    assert (memo.hits, memo.misses, len(memo)) == before
    conditional = operation.replace("name", "name @include(if: $x)")
    assert not selects_anything(conditional, {"x": False})
    assert selects_anything(conditional, {"x": True})
    assert memo.misses == before[1] + 1 and memo.hits == before[0] + 1


@dataclass(frozen=True, slots=True)
class _Pair:
    left: object
    right: object


class _Plain:
    def __init__(self, payload: object) -> None:
        self.payload = payload


class _Stop:
    def __init__(self) -> None:
        self.big = "s" * 10_000


def test_footprint_counts_each_object_once_and_stops_where_told() -> None:
    text = "t" * 1_000
    pair = _Pair(text, (text, [text, {"k": text}]))
    expected = (
        sys.getsizeof(pair)
        + sys.getsizeof(text)
        + sys.getsizeof(pair.right)
        + sys.getsizeof(pair.right[1])  # type: ignore[index]
        + sys.getsizeof({"k": text})
        + sys.getsizeof("k")
    )
    assert OBJECTS.of(pair) == expected
    plain = _Plain(text)
    least = sys.getsizeof(plain) + sys.getsizeof(text)
    assert least < OBJECTS.of(plain) < least + 400  # and its attribute dict
    shared = ["u" * 1_000]
    footprint = Footprint(stop=(_Stop,), shared=lambda obj: obj is shared)
    assert footprint.of(_Pair(_Stop(), shared)) == sys.getsizeof(_Pair(None, None))
    assert OBJECTS.of(None, True, 7, int) == 0  # singletons, cached small ints, types


# Small ones: enough that tuples and lists outrun CPython's free lists (untraced).
@pytest.mark.parametrize(("size", "count"), [(10, 5_000), (100_000, 20)])
def test_footprint_of_strings_matches_tracemalloc(size: int, count: int) -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        values = [("k" * size + str(index), ["v" * size]) for index in range(count)]
        measured = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    accounted = sum(OBJECTS.of(value) for value in values)
    assert 0.8 * measured <= accounted <= 1.25 * measured
