"""The one interface through which the executor talks to subgraphs.

SubgraphTransport        send one GraphQL request to a named subgraph
EncodedBodyTransport     ... also given the JSON body already serialised
SubgraphTransportError   the request did not produce a GraphQL response
└── SubgraphHTTPError    non-2xx status or a body that is not GraphQL JSON
    └── SubgraphResponseTooLarge   the answer outgrew its size limit (`ResponseLimits`)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from supergraph.errors import SUBREQUEST_HTTP_ERROR
from supergraph.types import JSONObject


@dataclass(frozen=True, slots=True)
class SubgraphRequest:
    """A GraphQL request body for one subgraph."""

    query: str
    variables: JSONObject = field(default_factory=dict)
    operation_name: str | None = None
    headers: Mapping[str, str] | None = None
    """Extra HTTP headers for this request (e.g. verified claims for the subgraph)."""

    @property
    def is_query(self) -> bool:
        """A query (never a mutation): safe to share or to send again. Planner operations
        start with their kind; anything else counts as not a query."""
        return self.query.startswith(("query", "{"))

    def to_json(self) -> JSONObject:
        body: JSONObject = {"query": self.query, "variables": self.variables}
        if self.operation_name is not None:
            body["operationName"] = self.operation_name
        return body


DEFAULT_MAX_RESPONSE_BYTES = 32_000_000
"""Per subgraph answer (docs/router-config.md): far above any page a client renders,
and the ~3x of it a decoded answer costs in memory stays in the hundreds of MB."""


@dataclass(frozen=True, slots=True)
class ResponseLimits:
    """How many bytes a subgraph's answer may have (`limits.subgraph`); transports stop
    reading and drop the connection as soon as an answer passes its limit."""

    default: int = DEFAULT_MAX_RESPONSE_BYTES
    by_subgraph: Mapping[str, int] = field(default_factory=dict)

    def of(self, subgraph: str) -> int:
        return self.by_subgraph.get(subgraph, self.default)


class SubgraphTransportError(Exception):
    """The subgraph request failed before a GraphQL response came back."""

    code = SUBREQUEST_HTTP_ERROR
    outcome = "http_error"
    """The fetch outcome metrics count it under (`router_subgraph_fetch_errors_total`)."""


_deadline: ContextVar[float | None] = ContextVar("supergraph_fetch_deadline", default=None)


def set_deadline(when: float | None) -> Token[float | None]:
    """The current fetch must be done by `when` (the loop's clock; None: no deadline):
    transports that wait between attempts read what is left (`time_left`)."""
    return _deadline.set(when)


def reset_deadline(token: Token[float | None]) -> None:
    _deadline.reset(token)


def time_left() -> float | None:
    """Seconds before the current fetch's timeout (None: it has none)."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - asyncio.get_running_loop().time()


class SubgraphHTTPError(SubgraphTransportError):
    """Non-2xx status without a GraphQL body, a connection error, or bad JSON."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        """Seconds the subgraph asked to wait (its Retry-After header), if it did."""


class SubgraphResponseTooLarge(SubgraphHTTPError):
    """The answer passed the subgraph's `http_max_response_bytes`: the rest was never read."""

    outcome = "response_too_large"

    def __init__(self, subgraph: str, limit: int) -> None:
        super().__init__(
            f"HTTP fetch failed from '{subgraph}': the response is larger than {limit} bytes "
            "(limits.subgraph http_max_response_bytes)"
        )
        self.limit = limit


class SubgraphTransport(Protocol):
    """Send one request to the subgraph called `subgraph`; return its JSON response.

    Raises `SubgraphTransportError` when no GraphQL response comes back.
    Timeouts are applied by the executor (per subgraph), not by transports.
    """

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class EncodedBodyTransport(SubgraphTransport, Protocol):
    """A transport that also takes the body already serialised (no second orjson pass)."""

    async def send_encoded(
        self, subgraph: str, body: bytes, headers: Mapping[str, str] | None, *, retryable: bool
    ) -> JSONObject:
        """`retryable`: the request may be sent again when a reused connection was closed."""
        ...
