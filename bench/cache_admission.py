"""Which admission policy keeps normal clients' operations cached under a flood?

    .venv/bin/python -m bench.cache_admission [--requests 20000] [--seed 7]

Simulates one cache (the router's default budget: 2,000 entries, 32 MiB) fed by
a normal client and an attacker. The normal client sends operations of 12 KB
(by the cache's accounting) from a hot set; the attacker sends distinct
operations that are never sent again, `--flood` of them per normal request, of
12 KB ("small") or 1.5 MB ("large", the document of a 1.5 MB string argument).
Each request is a `get`, and a `put` on a miss. It prints the normal client's
hit ratio per policy, with the hot set cached before the flood starts ("warm")
and with the flood from the start ("cold"):

- lru:     a plain LRU, bounded by bytes and entries
- slru:    a segmented LRU without a sketch (new entries in probation, 20%; a hit
           moves an entry to protected, 80%)
- tinylfu: `supergraph.executor.cache.WeightedCache` (W-TinyLFU)

Hot sets: "uniform" (400 operations, each as likely) and "zipf" (4,000
operations, Zipf s=1: a long tail the cache cannot hold whole).
"""

from __future__ import annotations

import argparse
import itertools
import random
import timeit
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Protocol

from supergraph.executor.cache import WeightedCache
from supergraph.executor.lru import LRU

MAX_ENTRIES = 2000
MAX_BYTES = 32 << 20
NORMAL = 12_000
SIZES = {"small": 12_000, "large": 1_500_000}


class Cache(Protocol):
    def get(self, key: str) -> int | None: ...

    def put(self, key: str, value: int) -> object: ...


class WeightedLRU:
    def __init__(self) -> None:
        self.items: OrderedDict[str, int] = OrderedDict()
        self.bytes = 0

    def get(self, key: str) -> int | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: int) -> None:
        if value > MAX_BYTES // 16:
            return
        self.items[key] = value
        self.bytes += value
        while self.bytes > MAX_BYTES or len(self.items) > MAX_ENTRIES:
            _, gone = self.items.popitem(last=False)
            self.bytes -= gone


class SegmentedLRU:
    def __init__(self) -> None:
        self.probation: OrderedDict[str, int] = OrderedDict()
        self.protected: OrderedDict[str, int] = OrderedDict()
        self.protected_bytes = 0
        self.bytes = 0

    def get(self, key: str) -> int | None:
        value = self.protected.get(key)
        if value is not None:
            self.protected.move_to_end(key)
            return value
        value = self.probation.pop(key, None)
        if value is None:
            return None
        self.protected[key] = value
        self.protected_bytes += value
        while self.protected_bytes > 0.8 * MAX_BYTES or len(self.protected) > 0.8 * MAX_ENTRIES:
            demoted, weight = self.protected.popitem(last=False)
            self.protected_bytes -= weight
            self.probation[demoted] = weight
        return value

    def put(self, key: str, value: int) -> None:
        if value > MAX_BYTES // 16:
            return
        self.probation[key] = value
        self.bytes += value
        while self.bytes > MAX_BYTES or len(self.probation) + len(self.protected) > MAX_ENTRIES:
            source = self.probation or self.protected
            _, gone = source.popitem(last=False)
            self.bytes -= gone
            if source is self.protected:
                self.protected_bytes -= gone


def tinylfu() -> WeightedCache[str, int]:
    # The value is the weight: `weigh` returns it less the per-entry overhead.
    return WeightedCache(max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES, weigh=lambda _k, v: v - 232)


POLICIES: dict[str, Callable[[], Cache]] = {
    "lru": WeightedLRU,
    "slru": SegmentedLRU,
    "tinylfu": tinylfu,
}


def hot_keys(kind: str, rng: random.Random) -> Iterator[str]:
    if kind == "uniform":
        while True:
            yield f"hot-{rng.randrange(400)}"
    weights = [1 / (rank + 1) for rank in range(4000)]
    cumulative = list(itertools.accumulate(weights))
    while True:
        yield f"hot-{rng.choices(range(4000), cum_weights=cumulative)[0]}"


def request(cache: Cache, key: str, weight: int) -> bool:
    if cache.get(key) is not None:
        return True
    cache.put(key, weight)
    return False


def run(
    policy: str, hot: str, flood: int, size: str, warm: bool, requests: int, seed: int
) -> float:
    rng = random.Random(seed)
    cache = POLICIES[policy]()
    keys = hot_keys(hot, rng)
    if warm:
        for _ in range(requests // 2):
            request(cache, next(keys), NORMAL)
    attacker = itertools.count()
    hits = 0
    for _ in range(requests):
        for _ in range(flood):
            request(cache, f"flood-{next(attacker)}", SIZES[size])
        hits += request(cache, next(keys), NORMAL)
    return hits / requests


def lookup_cost() -> dict[str, float]:
    """Seconds per `get` hit (a str key, as the document cache) and a tuple key (plans)."""
    lru: LRU[Hashable, int] = LRU(MAX_ENTRIES)
    weighted: WeightedCache[Hashable, int] = WeightedCache(
        max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES, weigh=lambda _k, _v: 1000
    )
    text = "query Q { a b c }" * 20
    pair = (text, "Q")
    for key in (text, pair):
        lru.put(key, 1)
        weighted.put(key, 1)
    weighted.get(text)  # promoted: protected, the steady state of a hot entry
    weighted.get(pair)
    number = 200_000
    return {
        "lru str": min(timeit.repeat(lambda: lru.get(text), number=number, repeat=5)) / number,
        "tinylfu str": min(timeit.repeat(lambda: weighted.get(text), number=number, repeat=5))
        / number,
        "lru tuple": min(timeit.repeat(lambda: lru.get(pair), number=number, repeat=5)) / number,
        "tinylfu tuple": min(timeit.repeat(lambda: weighted.get(pair), number=number, repeat=5))
        / number,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache_admission", description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print("normal client's hit ratio (requests of the normal client that hit the cache)")
    print(
        f"{'hot set':8} {'start':5} {'flood':>5} {'size':5} "
        + " ".join(f"{p:>8}" for p in POLICIES)
    )
    for hot, warm, flood, size in itertools.product(
        ("uniform", "zipf"), (True, False), (0, 1, 4, 16), ("small", "large")
    ):
        if flood == 0 and size == "large":
            continue
        ratios = [run(p, hot, flood, size, warm, args.requests, args.seed) for p in POLICIES]
        start = "warm" if warm else "cold"
        shown = " ".join(f"{ratio:8.3f}" for ratio in ratios)
        print(f"{hot:8} {start:5} {flood:5} {size if flood else '-':5} {shown}")
    print()
    for name, seconds in lookup_cost().items():
        print(f"get (hit), {name:14}: {seconds * 1e9:6.0f} ns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
