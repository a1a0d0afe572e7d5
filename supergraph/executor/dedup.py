"""In-flight de-duplication: identical subgraph queries sent at the same time share one request.

    DeduplicatingTransport(inner, subgraphs=...)   a `SubgraphTransport` around another
    unshared_requests(True)                        no sharing inside this block (mutations)

While a request is in flight, a request with the same key waits for its result
instead of sending another. The key is the subgraph name, the exact JSON body
(query, variables, operation name) and every header the request carries, so
callers whose forwarded headers differ (authorization, identity, tenant) never
share. Once a request completes it leaves the table: this shares work, it is not
a cache.

Only queries are shared. Every subgraph request of a mutation plan is sent on
its own, the entity fetches after the mutation field included: they must read
what the mutation wrote, and an identical fetch that another client started
before the mutation committed may return the state from before it.

Each requester keeps its own timeout (the executor applies it around `send`);
the request runs in its own task, so a requester that gives up (timeout,
client gone) does not cancel it for the others; the last one to give up does.
An error reaches every requester of the flight. The executor merges decoded
responses into its response tree and mutates them later, so every requester but
one gets its own copy (shared_flight.py, the mechanism the inbound de-duplicator
shares).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import orjson
from opentelemetry.trace import SpanContext

from supergraph import compiled
from supergraph.executor.entity_cache.carried import cache_control_of, with_cache_control
from supergraph.executor.merge import copy_tree
from supergraph.executor.shared_flight import Flight, SharedFlights
from supergraph.executor.transport import (
    EncodedBodyTransport,
    SubgraphRequest,
    SubgraphTransport,
)
from supergraph.telemetry import tracing
from supergraph.types import JSONObject

_Key = tuple[str, bytes, tuple[tuple[str, str], ...]]

_unshared: ContextVar[bool] = ContextVar("supergraph_unshared_requests", default=False)


@contextmanager
def unshared_requests(active: bool = True) -> Iterator[None]:
    """Subgraph requests sent inside this block (and the tasks it starts) are never shared."""
    if not active:
        yield
        return
    token = _unshared.set(True)
    try:
        yield
    finally:
        _unshared.reset(token)


def requests_unshared() -> bool:
    """Whether the current task runs inside `unshared_requests` (a mutation's plan)."""
    return _unshared.get()


class DeduplicatingTransport:
    """Shares identical in-flight query requests to the `subgraphs` named (None: all)."""

    def __init__(self, inner: SubgraphTransport, *, subgraphs: Collection[str] | None = None):
        self.inner = inner
        # The key already holds the serialised body: hand it on instead of encoding twice.
        self._encoded = inner if isinstance(inner, EncodedBodyTransport) else None
        self._subgraphs = None if subgraphs is None else frozenset(subgraphs)
        self._flights: SharedFlights[_Key, JSONObject] = SharedFlights(
            _with_its_cache_control, answer_copier()
        )
        self.deduplicated: Counter[str] = Counter()
        """Requests per subgraph answered by another's flight (not sent over HTTP)."""

    def shares(self, subgraph: str, request: SubgraphRequest) -> bool:
        if _unshared.get():
            return False
        if self._subgraphs is not None and subgraph not in self._subgraphs:
            return False
        return request.is_query

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        if not self.shares(subgraph, request):
            return await self.inner.send(subgraph, request)
        key = (subgraph, orjson.dumps(request.to_json()), _header_key(request.headers))
        flight = self._flights.get(key)
        if flight is None:
            flight = self._take_off(key, subgraph, request)
        else:
            self.deduplicated[subgraph] += 1
            joined = tracing.current_recording()
            if isinstance(flight.tag, SpanContext) and joined is not None:
                # Its request went out in another trace's fetch span: point there.
                joined.set_attribute("supergraph.fetch.deduplicated", True)
                joined.add_link(flight.tag, {"supergraph.fetch.shared": True})
        return await self._flights.share(key, flight)

    def _take_off(self, key: _Key, subgraph: str, request: SubgraphRequest) -> Flight[JSONObject]:
        if self._encoded is not None:
            sending = self._encoded.send_encoded(subgraph, key[1], request.headers, retryable=True)
        else:
            sending = self.inner.send(subgraph, request)
        # The request is sent in this requester's span: those who join link to it.
        origin = tracing.current_recording()
        return self._flights.take_off(
            key, sending, None if origin is None else origin.get_span_context()
        )

    def counts(self) -> list[tuple[tuple[str], float]]:
        """(subgraph,), de-duplicated requests: rows for a scrape-time counter (every
        sharing subgraph from the start, at 0: dashboards see it before it shares)."""
        names = self._subgraphs if self._subgraphs is not None else self.deduplicated
        return [((name,), float(self.deduplicated[name])) for name in sorted(names)]

    @property
    def in_flight(self) -> int:
        return len(self._flights)

    async def aclose(self) -> None:
        await self.inner.aclose()


def answer_copier() -> Callable[[JSONObject], JSONObject] | None:
    """How each requester of a shared answer gets its copy: `merge.copy_tree` where it
    is compiled (a 75 KB answer copied in 132 us, decoded again in 262 us); else None,
    orjson (interpreted, the copy takes twice as long as decoding)."""
    return copy_tree if copy_tree.__module__ in compiled.loaded() else None


def _with_its_cache_control(copy: JSONObject, original: JSONObject) -> JSONObject:
    return with_cache_control(copy, cache_control_of(original))


def _header_key(headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    if not headers:
        return ()
    return tuple(sorted((name.lower(), value) for name, value in headers.items()))
