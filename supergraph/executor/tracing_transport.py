"""The HTTP client span of each subgraph request, and the trace context it carries.

    with_tracing(inner, urls)   a `SubgraphTransport` around the HTTP one (an
                                `EncodedBodyTransport` only when `inner` is one)

It sits below the de-duplicator (pipeline/subgraphs.py stacks them), so the
`traceparent` it adds is never part of the de-duplication key: requests that
differ only in their trace still share one flight. A shared request is sent in
the task of the request that started it, so its client span is a child of that
request's `fetch` span; the requests that joined it link to that span instead
(executor/dedup.py). With the trace not sampled no span is made, and the
unsampled context goes on as it came (the subgraph must not sample it either).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from urllib.parse import urlsplit

import orjson
from opentelemetry.trace import Span, SpanKind

from supergraph.executor.transport import (
    EncodedBodyTransport,
    SubgraphHTTPError,
    SubgraphRequest,
    SubgraphTransport,
)
from supergraph.telemetry import tracing
from supergraph.types import JSONObject


def with_tracing(inner: SubgraphTransport, urls: Mapping[str, str]) -> SubgraphTransport:
    if isinstance(inner, EncodedBodyTransport):
        return EncodedTracingTransport(inner, urls)
    return TracingTransport(inner, urls)


class TracingTransport:
    """Adds the trace context to each request, in a CLIENT span when the trace records."""

    def __init__(self, inner: SubgraphTransport, urls: Mapping[str, str]) -> None:
        self.inner = inner
        self._attributes = {name: _attributes(name, url) for name, url in urls.items()}

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        with tracing.span("POST", self._attributes.get(subgraph), SpanKind.CLIENT) as span:
            headers = tracing.outgoing(request.headers)
            if headers is not request.headers:
                request = SubgraphRequest(
                    request.query, request.variables, request.operation_name, headers
                )
            return await _observed(span, self.inner.send(subgraph, request))

    async def aclose(self) -> None:
        await self.inner.aclose()


class EncodedTracingTransport(TracingTransport):
    """The same, passing a body already serialised on. A separate class: transports are
    told apart by the methods they have (`EncodedBodyTransport` is checked at run time),
    and a client that takes only requests (aiohttp's) must not look like one."""

    def __init__(self, inner: EncodedBodyTransport, urls: Mapping[str, str]) -> None:
        super().__init__(inner, urls)
        self._encoded = inner

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        body = orjson.dumps(request.to_json())
        return await self.send_encoded(subgraph, body, request.headers, retryable=request.is_query)

    async def send_encoded(
        self, subgraph: str, body: bytes, headers: Mapping[str, str] | None, *, retryable: bool
    ) -> JSONObject:
        if tracing.current_recording() is None:  # not sampled: only the context goes on
            return await self._encoded.send_encoded(
                subgraph, body, tracing.outgoing(headers), retryable=retryable
            )
        with tracing.span("POST", self._attributes.get(subgraph), SpanKind.CLIENT) as span:
            sending = self._encoded.send_encoded(
                subgraph, body, tracing.outgoing(headers), retryable=retryable
            )
            return await _observed(span, sending)


async def _observed(span: Span | None, sending: Awaitable[JSONObject]) -> JSONObject:
    """The answer; a failed one's HTTP status on the span (the span records the error)."""
    try:
        return await sending
    except SubgraphHTTPError as error:
        if span is not None and error.status is not None:
            span.set_attribute("http.response.status_code", error.status)
        raise


def _attributes(subgraph: str, url: str) -> dict[str, str | int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "subgraph.name": subgraph,
        "http.request.method": "POST",
        "url.full": url,
        "server.address": parts.hostname or "",
        "server.port": port,
    }
