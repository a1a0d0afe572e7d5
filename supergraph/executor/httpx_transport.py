"""HTTP transport on httpx: the same contract as `HttpTransport` (aiohttp), for comparison.

Kept so the team can measure both behind `SubgraphTransport`; `supergraph
serve` uses the aiohttp one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
import orjson

from supergraph.executor.http_transport import HEADERS, decode_response
from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest
from supergraph.types import JSONObject


class HttpxTransport:
    """POSTs GraphQL requests to each subgraph's URL over one httpx connection pool."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        on_request: Callable[[str], None] | None = None,
        max_connections: int = 512,
    ) -> None:
        self._urls = dict(urls)
        self._on_request = on_request
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
        try:
            response = await self._client.post(
                url, content=orjson.dumps(request.to_json()), headers=request.headers
            )
        except httpx.HTTPError as error:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
        return decode_response(
            subgraph, response.status_code, response.reason_phrase, response.content
        )

    async def aclose(self) -> None:
        await self._client.aclose()
