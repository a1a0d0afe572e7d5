"""HTTP transport: one pooled keep-alive aiohttp session shared by every subgraph.

aiohttp was picked over httpx for its lower per-request overhead; `supergraph
serve` now defaults to Http1Transport (http1_transport.py), which costs about
40% of aiohttp's CPU per request; this one stays, as `traffic_shaping.http_client:
aiohttp`, for subgraphs behind something only a general client copes with.

Answers are read chunk by chunk (aiohttp inflates compressed ones on the way) and
refused, with the connection closed, once past the subgraph's `ResponseLimits`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

import aiohttp
import orjson

from supergraph.executor.entity_cache.carried import with_cache_control
from supergraph.executor.transport import (
    ResponseLimits,
    SubgraphHTTPError,
    SubgraphRequest,
    SubgraphResponseTooLarge,
)
from supergraph.types import JSONObject

HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


class HttpTransport:
    """POSTs GraphQL requests to each subgraph's URL over one connection pool."""

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
        self._max_connections = max_connections
        # Created lazily: an aiohttp session must be built inside the running loop.
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=0, keepalive_timeout=30
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                json_serialize=lambda value: orjson.dumps(value).decode(),
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        url = self._urls.get(subgraph)
        if url is None:
            raise SubgraphHTTPError(f"no URL known for subgraph '{subgraph}'")
        if self._on_request is not None:
            self._on_request(subgraph)
        try:
            async with self._client().post(
                url,
                data=orjson.dumps(request.to_json()),
                headers=HEADERS if request.headers is None else {**HEADERS, **request.headers},
            ) as response:
                body = await _read(subgraph, response, self._limits.of(subgraph))
                status = response.status
                reason = response.reason or ""
                cache_control = response.headers.get("cache-control")
                retry_after = response.headers.get("retry-after")
        except aiohttp.ClientError as error:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
        decoded = decode_response(subgraph, status, reason, body, retry_after)
        return with_cache_control(decoded, cache_control)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read(subgraph: str, response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, refused (and the connection closed, not reused) once past `limit` bytes."""
    if response.content_length is not None and response.content_length > limit:
        response.close()
        raise SubgraphResponseTooLarge(subgraph, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            response.close()
            raise SubgraphResponseTooLarge(subgraph, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def decode_response(
    subgraph: str, status: int, reason: str, body: bytes, retry_after: str | None = None
) -> JSONObject:
    """The GraphQL answer in `body`, or SubgraphHTTPError (with the seconds of the
    `retry_after` header a 429 or 503 may carry: the retry policy honours them)."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        decoded = None
    is_graphql = isinstance(decoded, dict) and ("data" in decoded or "errors" in decoded)
    if 200 <= status < 300:
        if not is_graphql:
            raise SubgraphHTTPError(
                f"HTTP fetch failed from '{subgraph}': invalid GraphQL response body", status
            )
        result: JSONObject = decoded
        return result
    # GraphQL-over-HTTP subgraphs answer 4xx with a GraphQL body: keep their errors.
    if is_graphql and isinstance(decoded.get("errors"), list):
        graphql_result: JSONObject = decoded
        return graphql_result
    raise SubgraphHTTPError(
        f"HTTP fetch failed from '{subgraph}': {status}: {reason}",
        status,
        parse_retry_after(retry_after) if status in (429, 503) else None,
    )


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After's seconds (delta-seconds or an HTTP date); None when absent or bad.

    The one parser of every HTTP client (aiohttp, httpx, http1 all reach it through
    `decode_response`): it never raises, so a subgraph's bad header is a plain
    SubgraphHTTPError (retried, counted by the breaker) like any other answer.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        # isdigit accepts '²' and other non-ASCII digits int() refuses; ten digits
        # are centuries, and bound int()'s work.
        return float(int(value)) if value.isascii() and len(value) <= 10 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None  # an HTTP date is always GMT; anything else is not one
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
