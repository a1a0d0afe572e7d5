"""Garbage-collector settings for a serving router process.

A request through the router allocates tens of thousands of short-lived
containers (decoded subgraph JSON, the merged tree, the shaped response).
Reference counting frees nearly all of them; the cyclic collector finds
almost nothing, yet with CPython's default first-generation threshold (700
allocations) a 70 KB response triggers dozens of collections, and each older
collection walks everything loaded at start-up (the supergraph model, the API
schema, graphql-core's types). Profiles of the wide-list benchmark put the
collector at about 28% of the router's CPU.

So, once the app is built: collect, then freeze what is alive (it moves to a
permanent generation no collection scans), and raise the first threshold so
collections run about 14x less often. Cycles are still collected; they only
live a little longer. Measured in process on the wide list at 32 concurrent
requests: about 30% less CPU per request.

"A little longer" is counted in objects, not bytes. graphql-core leaves a
request's lexer tokens (a doubly linked list, the literal's value in one of
them) and printer buffers (each its own `tail`) as cycles, so a 1.5 MB string
argument leaves about 3 MB of cyclic garbage in a handful of objects: the
first-generation count hardly moves, and about 550 such requests (1.6 GB)
went by before a collection. `received(n)` counts the bytes clients send; every
`COLLECT_EVERY_BYTES` of them the young generations are collected (a few
milliseconds; the cycles of the requests since are still young).
"""

from __future__ import annotations

import gc
from typing import Final

FIRST_GENERATION_THRESHOLD: Final = 10_000
COLLECT_EVERY_BYTES: Final = 16 << 20
"""Bytes of requests between collections: about twice that in garbage at most; with
1 KB operations, one young collection every 16,000 requests."""

_received = 0


def settle_after_startup() -> None:
    """Call once the app is loaded, right before serving."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, second, third)


def received(nbytes: int) -> None:
    """Count `nbytes` of client input; collect the young generations every
    `COLLECT_EVERY_BYTES` (thread races only shift when that happens)."""
    global _received
    _received += nbytes
    if _received >= COLLECT_EVERY_BYTES:
        _received = 0
        gc.collect(1)
