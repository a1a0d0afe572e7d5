"""Each subgraph request carries the router's request id in `x-request-id`.

    with_request_ids(inner)     a `SubgraphTransport` around the HTTP one (an
                                `EncodedBodyTransport` when `inner` is one)

So a subgraph's log lines about a request name the id the client got back
(supergraph/request_id.py). It sits below the de-duplicator, as the trace context
does (executor/tracing_transport.py): the id is not part of the de-duplication key,
and a shared request carries the id of the request that sent it (its task, and so
its id, is that request's); the others that joined it are answered by it without
a request of their own. A header rule that already sets `x-request-id` wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from supergraph.executor.transport import (
    EncodedBodyTransport,
    SubgraphRequest,
    SubgraphTransport,
)
from supergraph.request_id import HEADER
from supergraph.request_id import current as request_id
from supergraph.types import JSONObject

_NONE: Final = "-"


def with_request_ids(inner: SubgraphTransport) -> SubgraphTransport:
    if isinstance(inner, EncodedBodyTransport):
        return EncodedRequestIdTransport(inner)
    return RequestIdTransport(inner)


class RequestIdTransport:
    """Adds `x-request-id` (the current request's id) to each subgraph request."""

    def __init__(self, inner: SubgraphTransport) -> None:
        self.inner = inner

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        headers = with_request_id(request.headers)
        if headers is not request.headers:
            request = SubgraphRequest(
                request.query, request.variables, request.operation_name, headers
            )
        return await self.inner.send(subgraph, request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class EncodedRequestIdTransport(RequestIdTransport):
    """The same, passing a body already serialised on (a separate class: the protocol
    is checked by the methods a transport has)."""

    def __init__(self, inner: EncodedBodyTransport) -> None:
        super().__init__(inner)
        self._encoded = inner

    async def send_encoded(
        self, subgraph: str, body: bytes, headers: Mapping[str, str] | None, *, retryable: bool
    ) -> JSONObject:
        return await self._encoded.send_encoded(
            subgraph, body, with_request_id(headers), retryable=retryable
        )


def with_request_id(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """`headers` with the current request's id (unchanged outside a request, or when a
    header rule already put one there)."""
    rid = request_id()
    if rid == _NONE or (headers is not None and HEADER in headers):
        return headers
    added = dict(headers) if headers else {}
    added[HEADER] = rid
    return added
