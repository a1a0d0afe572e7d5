"""A cache bounded by bytes and entries, with TinyLFU admission (W-TinyLFU).

    cache = WeightedCache(max_entries=2000, max_bytes=32 << 20, weigh=lambda k, v: ...)
    cache.get(key)            # O(1): a dict lookup, a counter, a move in a linked dict
    cache.put(key, value)     # weighs the entry once; may admit it, or not

Why not a plain LRU: every entry of the document, plan and persisted-query
caches is keyed by text a client chose. Under LRU, a client sending endless
distinct (and large) operations pushes every other client's entries out; each
newcomer is admitted and the coldest entry goes. Here, as in Caffeine's
W-TinyLFU (Einziger, Friedman, Manes: "TinyLFU: A Highly Efficient Cache
Admission Policy"), a newcomer first lives in a small LRU window (1% of the
budget); when the window overflows, its oldest entry is a candidate for the
main space, and it gets in only if it has been used more often than each entry
it would evict (probation's least recent first). Use counts of keys not
cached come from a count-min sketch, which remembers keys the cache no longer
holds, so an operation seen twice beats one-shots, and one-shots never
displace anything that was used again. The main space is a segmented LRU:
entries hit in probation move to the protected segment (80%); protected
overflow goes back to probation.

Unlike Caffeine, a lookup does not touch the sketch: a cached entry counts its
own hits (one integer increment on the hot path instead of four hashed counter
updates), aged together with the sketch, and hands its count to the sketch
when it leaves. The sketch counts insertions (each one follows a miss).

`bench/cache_admission.py` measures the hit ratio of a hot set of operations
under a flood of one-shot ones for this policy, a segmented LRU without the
sketch and a plain LRU, and the cost of a lookup.

Weights are bytes (see footprint.py): the cache never holds more than
`max_bytes` by its own accounting, nor more than `max_entries` entries. An
entry heavier than `max_entry_bytes` (default: a sixteenth of the budget) is
not cached at all, so no single request can take over the budget.

A heavy entry (over `max_heavy_bytes`: 1/256 of the budget, at least 16 KiB) is stored
only from the second time its key is put (a doorkeeper, as in TinyLFU, but only
for heavy entries): what it costs to keep goes to operations that come back,
not to one-shots. Besides memory, a cached entry costs the cycle collector:
every collection of the generation it is in walks all its objects (a cached
32 KB operation's plan and shaper are ~4,500), and while the cache fills they
move up through every generation. With a one-shot flood of those (bench/hostile.py,
large_operations), the one collection of the middle generation in 10 s walked
127,000 objects (the ~28 plans cached so far): ~90 ms of CPU with the
interpreter lock held, a stall for every request; with this rule the largest
collection was a few milliseconds (in-flight objects only).

One event loop uses a cache (no locks); `memoize` wraps one for functions that
threads may share.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Final, Generic, ParamSpec, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")
R = TypeVar("R")

ENTRY_OVERHEAD: Final = 232
"""Bytes a cache entry costs besides its key and value: its node object and its
slots in two hash tables (160-195 measured with tracemalloc, in the unit tests;
tables grow by doubling)."""
MAX_ENTRY_SHARE: Final = 16
"""An entry may weigh at most 1/16 of the budget: any one request can take only a
small part of what every client shares."""
HEAVY_SHARE: Final = 256
"""An entry heavier than 1/256 of the budget (128 KiB of 32 MiB), and than
`HEAVY_MIN_BYTES`, is stored only when its key was put before: see the module doc."""
HEAVY_MIN_BYTES: Final = 16 << 10
"""Small caches (tests, the fixed 4 MiB memos) keep their first-use entries up to this."""
WINDOW_SHARE: Final = 0.01
"""Caffeine's default: enough to let a burst of new entries prove themselves."""
PROTECTED_SHARE: Final = 0.8

_MASK64: Final = (1 << 64) - 1
_SPREAD: Final = 0x9E3779B97F4A7C15
"""Fibonacci hashing: spreads Python's hash over the 64 bits the sketch reads."""
_HALF: Final = bytes(i >> 1 for i in range(256))
_MAX_COUNT: Final = 15
_MAX_WIDTH_BITS: Final = 16
"""Each row's index is 16 bits of the spread hash: up to 65,536 counters a row."""


class FrequencySketch:
    """How often each key was used lately: a count-min sketch with 4 rows of counters
    (0..15), eight counters a row per entry the cache holds, all halved every
    `10 x capacity` additions so old popularity fades (as in Caffeine). Updates
    are conservative (only the smallest of a key's counters grow), which keeps a
    flood of one-shot keys from inflating everyone's estimates.

    Indexes come from Python's hash, which is salted per process for strings
    (PYTHONHASHSEED): a client cannot aim collisions at another client's keys.
    """

    __slots__ = ("_additions", "_mask", "_sample", "_table", "_width")

    def __init__(self, capacity: int) -> None:
        capacity = max(capacity, 1)
        bits = min(_MAX_WIDTH_BITS, max(6, (8 * capacity - 1).bit_length()))
        self._width = 1 << bits
        self._mask = self._width - 1
        self._table = bytearray(4 * self._width)
        self._sample = 10 * capacity
        self._additions = 0

    def _indexes(self, key: Hashable) -> tuple[int, int, int, int]:
        h = (hash(key) * _SPREAD) & _MASK64
        mask = self._mask
        width = self._width
        return (
            h & mask,
            width + ((h >> 16) & mask),
            2 * width + ((h >> 32) & mask),
            3 * width + ((h >> 48) & mask),
        )

    def increment(self, key: Hashable) -> bool:
        """Count one use of `key`; True when that halved every counter (aging)."""
        table = self._table
        indexes = self._indexes(key)
        least = min(table[i] for i in indexes)
        if least < _MAX_COUNT:
            for i in indexes:
                if table[i] == least:
                    table[i] = least + 1
        self._additions += 1
        if self._additions < self._sample:
            return False
        self._table = table.translate(_HALF)
        self._additions //= 2
        return True

    def frequency(self, key: Hashable) -> int:
        table = self._table
        return min(table[i] for i in self._indexes(key))

    def remember(self, key: Hashable, frequency: int) -> None:
        """Raise `key`'s counters to `frequency`: what a leaving entry was used."""
        table = self._table
        frequency = min(frequency, _MAX_COUNT)
        for i in self._indexes(key):
            if table[i] < frequency:
                table[i] = frequency


class _Segment(Generic[K, V]):
    """One LRU list of the cache (least recent first) and its bounds."""

    __slots__ = ("bytes", "items", "max_bytes", "max_entries")

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.items: OrderedDict[K, _Node[K, V]] = OrderedDict()
        self.bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def over(self) -> bool:
        return self.bytes > self.max_bytes or len(self.items) > self.max_entries

    def add(self, node: _Node[K, V]) -> None:
        self.items[node.key] = node
        self.bytes += node.weight
        node.segment = self

    def remove(self, node: _Node[K, V]) -> None:
        del self.items[node.key]
        self.bytes -= node.weight


class _Node(Generic[K, V]):
    __slots__ = ("frequency", "key", "segment", "value", "weight")

    def __init__(
        self, key: K, value: V, weight: int, segment: _Segment[K, V], frequency: int
    ) -> None:
        self.key = key
        self.value = value
        self.weight = weight
        self.segment = segment
        # Uses: the sketch's estimate at insertion, then one per hit; halved as it ages.
        self.frequency = frequency


class WeightedCache(Generic[K, V]):
    """A map of at most `max_entries` entries and `max_bytes` bytes (W-TinyLFU).

    `weigh(key, value)` is the bytes the entry keeps alive; `ENTRY_OVERHEAD` is
    added to it. Counters for metrics: hits, misses, evictions (entries removed
    to make room), rejected_oversize (heavier than `max_entry_bytes`, never
    stored), rejected_first_use (heavier than `max_heavy_bytes`, put for the
    first time) and rejected_admission (left the window less used than what they
    would have evicted).
    """

    __slots__ = (
        "_nodes",
        "_probation",
        "_protected",
        "_sketch",
        "_weigh",
        "_window",
        "evictions",
        "hits",
        "max_bytes",
        "max_entries",
        "max_entry_bytes",
        "max_heavy_bytes",
        "misses",
        "rejected_admission",
        "rejected_first_use",
        "rejected_oversize",
    )

    def __init__(
        self,
        *,
        max_entries: int,
        max_bytes: int,
        weigh: Callable[[K, V], int],
        max_entry_bytes: int | None = None,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a cache needs room for at least one entry and one byte")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = (
            max_bytes // MAX_ENTRY_SHARE if max_entry_bytes is None else max_entry_bytes
        )
        self.max_heavy_bytes = max(max_bytes // HEAVY_SHARE, HEAVY_MIN_BYTES)
        self._weigh = weigh
        # Window and main together hold at most the bounds (a one-entry cache has no window).
        window_entries = max(1, int(max_entries * WINDOW_SHARE)) if max_entries > 1 else 0
        window_bytes = int(max_bytes * WINDOW_SHARE)
        main_entries = max_entries - window_entries
        main_bytes = max_bytes - window_bytes
        self._window: _Segment[K, V] = _Segment(window_entries, window_bytes)
        # Probation has no bound of its own: it is what main leaves to protected.
        self._probation: _Segment[K, V] = _Segment(main_entries, main_bytes)
        self._protected: _Segment[K, V] = _Segment(
            max(1, int(main_entries * PROTECTED_SHARE)), int(main_bytes * PROTECTED_SHARE)
        )
        self._nodes: dict[K, _Node[K, V]] = {}
        self._sketch = FrequencySketch(max_entries)
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.rejected_oversize = 0
        self.rejected_admission = 0
        self.rejected_first_use = 0

    def get(self, key: K) -> V | None:
        node = self._nodes.get(key)
        if node is None:
            self.misses += 1
            return None
        self.hits += 1
        node.frequency += 1
        segment = node.segment
        if segment is self._probation:
            self._promote(node)
        else:
            segment.items.move_to_end(key)
        return node.value

    def weigh(self, key: K, value: V) -> int:
        """What `put` would count for the entry (its overhead aside); it reads no cache
        state, so it may run on another thread (the router's compute jobs do)."""
        return self._weigh(key, value)

    def put(self, key: K, value: V, weight: int | None = None) -> bool:
        """Cache `value` under `key`; False when it is not stored: too heavy, or heavy and
        put for the first time. `weight`:
        `weigh(key, value)` when already known (weighing walks the whole value)."""
        weight = (self._weigh(key, value) if weight is None else weight) + ENTRY_OVERHEAD
        if weight > self.max_entry_bytes:
            self.rejected_oversize += 1
            self.discard(key)
            return False
        node = self._nodes.get(key)
        if node is not None:
            node.frequency += 1
            segment = node.segment
            segment.remove(node)
            node.value, node.weight = value, weight
            segment.add(node)
            self._rebalance(segment)
            return True
        heavy_first_use = weight > self.max_heavy_bytes and self._sketch.frequency(key) == 0
        if self._sketch.increment(key):
            for cached in self._nodes.values():
                cached.frequency >>= 1
        if heavy_first_use:
            self.rejected_first_use += 1
            return False
        node = _Node(key, value, weight, self._window, self._sketch.frequency(key))
        self._nodes[key] = node
        self._window.add(node)
        self._drain_window()
        return True

    def peek(self, key: K) -> V | None:
        """The cached value without counting a use (tests, diagnostics)."""
        node = self._nodes.get(key)
        return None if node is None else node.value

    def discard(self, key: K) -> None:
        node = self._nodes.pop(key, None)
        if node is not None:
            node.segment.remove(node)

    def clear(self) -> None:
        for segment in (self._window, self._probation, self._protected):
            segment.items.clear()
            segment.bytes = 0
        self._nodes.clear()

    @property
    def bytes(self) -> int:
        """What the entries weigh, by this cache's accounting (never above `max_bytes`)."""
        return self._window.bytes + self._probation.bytes + self._protected.bytes

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def __iter__(self) -> Iterator[K]:
        """The keys, least recent first: the window, then probation, then protected."""
        for segment in (self._window, self._probation, self._protected):
            yield from segment.items

    # -- policy -----------------------------------------------------------------------

    def _promote(self, node: _Node[K, V]) -> None:
        self._probation.remove(node)
        self._protected.add(node)
        self._rebalance(self._protected)

    def _rebalance(self, segment: _Segment[K, V]) -> None:
        """After `segment` grew: overflow moves on (window -> main, protected -> probation)."""
        if segment is self._window:
            self._drain_window()
            return
        protected, probation = self._protected, self._probation
        if segment is protected:
            while protected.over() and len(protected.items) > 1:
                _, demoted = protected.items.popitem(last=False)
                protected.bytes -= demoted.weight
                probation.add(demoted)
        while self._main_over(0, 0):
            victim = self._victim()
            if victim is None:
                break
            self._evict(victim)

    def _drain_window(self) -> None:
        window = self._window
        while window.over():
            _, candidate = window.items.popitem(last=False)
            window.bytes -= candidate.weight
            self._admit(candidate)

    def _admit(self, candidate: _Node[K, V]) -> None:
        """Into probation if it was used more than every entry it would evict."""
        if not self._main_over(candidate.weight, 1):
            self._probation.add(candidate)
            return
        wanted = candidate.frequency
        extra_bytes = self._main_bytes() + candidate.weight - self._probation.max_bytes
        extra_entries = self._main_entries() + 1 - self._probation.max_entries
        victims: list[_Node[K, V]] = []
        for victim in self._least_recent_main():
            if victim.frequency >= wanted:
                break
            victims.append(victim)
            extra_bytes -= victim.weight
            extra_entries -= 1
            if extra_bytes <= 0 and extra_entries <= 0:
                for chosen in victims:
                    self._evict(chosen)
                self._probation.add(candidate)
                return
        del self._nodes[candidate.key]
        self._sketch.remember(candidate.key, candidate.frequency)
        self.rejected_admission += 1

    def _least_recent_main(self) -> Iterator[_Node[K, V]]:
        yield from self._probation.items.values()
        yield from self._protected.items.values()

    def _victim(self) -> _Node[K, V] | None:
        return next(self._least_recent_main(), None)

    def _evict(self, node: _Node[K, V]) -> None:
        node.segment.remove(node)
        del self._nodes[node.key]
        self._sketch.remember(node.key, node.frequency)
        self.evictions += 1

    def _main_bytes(self) -> int:
        return self._probation.bytes + self._protected.bytes

    def _main_entries(self) -> int:
        return len(self._probation.items) + len(self._protected.items)

    def _main_over(self, more_bytes: int, more_entries: int) -> bool:
        limit = self._probation  # its bounds are main's
        return (
            self._main_bytes() + more_bytes > limit.max_bytes
            or self._main_entries() + more_entries > limit.max_entries
        )


class Memoized(Generic[P, R]):
    """A bounded, thread-safe memo of a pure function of hashable positional arguments.

    `weigh(args, (result,))` is the entry's bytes. The function runs outside the lock;
    `cache` is the `WeightedCache` (for metrics and tests). A result is kept in a
    1-tuple, so that None is remembered like any result: the cache's None is a miss,
    and a memo of a function that mostly answers None used to run it, weigh its
    arguments and put them again on every call.
    """

    __slots__ = ("__wrapped__", "_lock", "cache")

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        max_entries: int,
        max_bytes: int,
        weigh: Callable[[tuple[object, ...], Any], int],
    ) -> None:
        self.__wrapped__ = fn
        self.cache: WeightedCache[tuple[object, ...], tuple[R]] = WeightedCache(
            max_entries=max_entries, max_bytes=max_bytes, weigh=weigh
        )
        self._lock = threading.Lock()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            return self.__wrapped__(*args, **kwargs)
        with self._lock:
            found = self.cache.get(args)
        if found is not None:
            return found[0]
        result = self.__wrapped__(*args, **kwargs)  # no keywords: they were handled above
        with self._lock:
            self.cache.put(args, (result,))
        return result


def memoize(
    *, max_entries: int, max_bytes: int, weigh: Callable[[tuple[object, ...], Any], int]
) -> Callable[[Callable[P, R]], Memoized[P, R]]:
    """`@memoize(...)`: see `Memoized`."""

    def decorate(fn: Callable[P, R]) -> Memoized[P, R]:
        return Memoized(fn, max_entries=max_entries, max_bytes=max_bytes, weigh=weigh)

    return decorate
