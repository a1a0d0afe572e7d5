"""HTTP transport on httpx: the same contract as `HttpTransport` (aiohttp), for comparison.

Kept so the team can measure both behind `SubgraphTransport`; `supergraph
serve` uses the aiohttp one. Answers are streamed and refused, with the
connection closed, once past the subgraph's `ResponseLimits` (decoded bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
import orjson

from supergraph.executor.http_transport import HEADERS, decode_response
from supergraph.executor.transport import (
    ResponseLimits,
    SubgraphHTTPError,
    SubgraphRequest,
    SubgraphResponseTooLarge,
)
from supergraph.types import JSONObject


class HttpxTransport:
    """POSTs GraphQL requests to each subgraph's URL over one httpx connection pool."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        on_request: Callable[[str], None] | None = None,
        max_connections: int = 512,
        response_limits: ResponseLimits | None = None,
    ) -> None:
        self._urls = dict(urls)
        self._on_request = on_request
        self._limits = response_limits or ResponseLimits()
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._client = httpx.AsyncClient(limits=limits, timeout=None, headers=HEADERS)

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        url = self._urls.get(subgraph)
        if url is None:
            raise SubgraphHTTPError(f"no URL known for subgraph '{subgraph}'")
        if self._on_request is not None:
            self._on_request(subgraph)
        sending = self._client.build_request(
            "POST", url, content=orjson.dumps(request.to_json()), headers=request.headers
        )
        try:
            response = await self._client.send(sending, stream=True)
            try:
                body = await _read(subgraph, response, self._limits.of(subgraph))
            finally:
                # Before the end of the body this closes the connection: never reused.
                await response.aclose()
        except httpx.HTTPError as error:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
        return decode_response(
            subgraph,
            response.status_code,
            response.reason_phrase,
            body,
            response.headers.get("retry-after"),
        )

    async def aclose(self) -> None:
        await self._client.aclose()


async def _read(subgraph: str, response: httpx.Response, limit: int) -> bytes:
    """The decoded body, refused once past `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SubgraphResponseTooLarge(subgraph, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise SubgraphResponseTooLarge(subgraph, limit)
        chunks.append(chunk)
    return b"".join(chunks)
