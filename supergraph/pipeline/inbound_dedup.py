"""Inbound de-duplication: identical client queries in flight at once share one execution.

    InboundDeduplicator.key(prepared, variables, request) -> key, or None (not shared)
    InboundDeduplicator.run(key, execute, context) -> ((data, errors), the flight's context)

router.yaml `traffic_shaping.router.deduplicate_query` (off by default; Hive Router
does this). Where the subgraph-level de-duplicator (executor/dedup.py) shares each
fetch, this shares the whole plan and shaping of the operation: N clients asking
the same thing at once cost one execution.

Two requests are equivalent when their query text, operation name, coerced
variables and every header the router would send to each subgraph are equal.
Never shared: mutations and subscriptions; operations with introspection (answered
from the router's cache anyway); and anything private — a request with verified
claims (its authorization and its answer are the caller's), or one forwarding
`authorization` or `cookie` to a subgraph. The flight runs in its own task, so a
client that leaves does not cancel it for the others (the last one to leave does);
each joiner gets its own copy of the answer (executor/shared_flight.py, shared with
the subgraph-level de-duplicator).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from graphql import OperationType

from supergraph.executor.shared_flight import SharedFlights
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.request import GraphQLRequest
from supergraph.types import JSONObject

PRIVATE_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
"""Forwarded to a subgraph, they make the answer the caller's own."""

Outcome = tuple[JSONObject | None, list[JSONObject]]
Key = tuple[str, str | None, bytes, bytes]


class InboundDeduplicator:
    def __init__(self) -> None:
        self._flights: SharedFlights[Key, Outcome] = SharedFlights(_as_outcome)
        self.deduplicated = 0
        """Operations answered by an identical one's execution."""

    def key(
        self, prepared: PreparedOperation, variables: Mapping[str, Any], request: GraphQLRequest
    ) -> Key | None:
        if prepared.kind is not OperationType.QUERY or prepared.introspection is not None:
            return None
        if request.claims is not None or not isinstance(request.query, str):
            return None
        headers = request.subgraph_headers or {}
        by_name = request.subgraph_headers_by_name or {}
        if _private(headers) or any(_private(h) for h in by_name.values()):
            return None
        try:
            values = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
            sent = orjson.dumps([headers, by_name], option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None  # a value JSON cannot hold: not compared, not shared
        return (request.query, request.operation_name, values, sent)

    async def run(
        self, key: Key, execute: Callable[[], Awaitable[Outcome]], context: object = None
    ) -> tuple[Outcome, object]:
        """The outcome, and the `context` of the request whose execution produced it
        (its entity cache scope: joiners read the Cache-Control of what the answer used)."""
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights.take_off(key, _awaited(execute), context)
        else:
            self.deduplicated += 1
        return await self._flights.share(key, flight), flight.tag

    @property
    def in_flight(self) -> int:
        return len(self._flights)


async def _awaited(execute: Callable[[], Awaitable[Outcome]]) -> Outcome:
    return await execute()


def _as_outcome(copy: Any, original: Outcome) -> Outcome:
    data, errors = copy  # orjson gives the pair back as a list
    return data, errors


def _private(headers: Mapping[str, str]) -> bool:
    return any(name.lower() in PRIVATE_HEADERS for name in headers)
