"""HTTP transport on asyncio protocols: keep-alive HTTP/1.1 pools, responses parsed by httptools.

The router's subgraph requests are all alike: a JSON `POST` to a few known
origins, answered with one JSON body. aiohttp's general client spends about
2.5 times the CPU of this path per request (`python -m bench.clients`; the
bench/README.md 06:02 run), which at concurrency 1 was most of the router's
own latency. Here a
request is one `write` of a pre-built head plus the body, and the response
wakes the waiting coroutine once, when httptools has seen the whole message.

What a production client must still do, it does: one pool per origin (scheme,
host, port) with a connection limit and waiters, last-used connection first,
idle connections dropped after `keepalive_timeout` or when the server closes
them, `Connection: close` honoured, chunked and read-until-close bodies, gzip
and deflate bodies, TLS for `https` URLs, header values checked for line
breaks, and a size limit per answer (`ResponseLimits`): the bytes read from the
socket (head, framing, body) are counted as they arrive and, once past the
limit, nothing more is read or kept and the connection is dropped; a
`content-length` above it is refused before any body byte; a compressed body
is inflated only up to the limit.

A query sent on a reused connection that the server had already closed
(no byte of an answer came back) is sent once more on a new connection;
a mutation is not (it may have been applied), and to make that race rare a
mutation never takes a connection that has been idle for more than a second.
Redirects are not followed. One transport serves one event loop.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import zlib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools
import orjson

from supergraph.executor.entity_cache.carried import with_cache_control
from supergraph.executor.http_transport import HEADERS, decode_response
from supergraph.executor.transport import (
    ResponseLimits,
    SubgraphHTTPError,
    SubgraphRequest,
    SubgraphResponseTooLarge,
)
from supergraph.types import JSONObject

FRAMING_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "upgrade"}
)
"""Set by the transport itself; a caller's value for these would corrupt the message."""

MUTATION_MAX_IDLE = 1.0
"""Seconds: an older idle connection may be closing under us, which a mutation can't retry."""

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""A header name (RFC 9110 token)."""
_LINE_BREAK = re.compile(r"[\r\n\0]")
"""What a header value must not hold: it would end the header, or the head, early."""


class _ConnectionLost(Exception):
    """The connection closed before the whole answer came back."""

    def __init__(self, answered: bool, cause: BaseException | None) -> None:
        super().__init__(str(cause) if cause else "server closed the connection")
        self.answered = answered


class _TooLarge(Exception):
    """The answer passed the request's size limit (the connection is dropped)."""


class _TooLargeSignal(Exception):
    """Raised inside a parser callback to stop parsing at a too-large content-length."""


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    reason: str
    body: bytes
    keep_alive: bool
    encoding: bytes
    cache_control: str | None = None
    """The Cache-Control header (the entity cache reads it: entity_cache/carried.py)."""
    retry_after: str | None = None
    """The Retry-After header (the retry policy honours it: resilience.py)."""


@dataclass(frozen=True, slots=True)
class _Target:
    """A subgraph URL: its origin's pool and the request head up to the variable headers."""

    pool: _Pool
    limit: int
    """The most bytes an answer may have (`ResponseLimits`)."""
    head: bytes
    """Request line, host, and the default content-type and accept headers."""
    request_line: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request on it at a time."""

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[_Answer] | None = None
        self._chunks: list[bytes] = []
        self._reason = b""
        self._encoding = b""
        self._cache_control: str | None = None
        self._retry_after: str | None = None
        self._framed = False
        self._headers_done = False
        self._received = False
        self._limit = 0
        self._read = 0
        """Bytes received since the request was sent (head, framing and body)."""
        self._length = 0
        """The answer's content-length (0: none)."""

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        sock = self.transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._received = True
        self._read += len(data)
        if self._read > self._limit:
            self._refuse()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            if isinstance(error.__context__, _TooLargeSignal):
                self._refuse()
                return
            self._fail(SubgraphHTTPError(f"invalid HTTP response: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.discard(self)
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._headers_done and not self._framed:
            # No length and not chunked: the body is everything until the server closes.
            self.on_message_complete()
            return
        waiter.set_exception(_ConnectionLost(self._received, exc))

    # httptools callbacks

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        lowered = name.lower()
        if lowered == b"content-encoding":
            self._encoding = value.strip().lower()
        elif lowered == b"cache-control":
            self._cache_control = value.decode("latin-1").strip()
        elif lowered == b"retry-after":
            self._retry_after = value.decode("latin-1")
        elif lowered in (b"content-length", b"transfer-encoding"):
            self._framed = True
            if lowered == b"content-length" and value.strip().isdigit():
                self._length = int(value)

    def on_headers_complete(self) -> None:
        self._headers_done = True
        if self._length > self._limit:
            # Refused before the body: the parser's callbacks run inside `feed_data`,
            # which raises to stop parsing (see `data_received`).
            raise _TooLargeSignal

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        waiter = self._waiter
        body = b"".join(self._chunks)
        answer = _Answer(
            self._parser.get_status_code(),
            self._reason.decode("latin-1"),
            body,
            self._parser.should_keep_alive() and not self.closed,
            self._encoding,
            self._cache_control,
            self._retry_after,
        )
        self._reset()
        if waiter is None or waiter.done():
            return
        if answer.status < 200:
            # An interim (1xx) answer: the real one follows on the same connection.
            self._waiter = waiter
            return
        waiter.set_result(answer)

    # the request

    async def exchange(self, message: bytes, limit: int) -> _Answer:
        """Send `message`; the answer, at most `limit` bytes as read."""
        assert self.transport is not None
        if self.closed:
            raise _ConnectionLost(False, None)
        self._reset()
        self._received = False
        self._limit = limit
        self._read = 0
        waiter = self.pool.loop.create_future()
        self._waiter = waiter
        self.transport.write(message)
        answer: _Answer = await waiter
        return answer

    def _reset(self) -> None:
        self._waiter = None
        self._chunks = []
        self._reason = b""
        self._encoding = b""
        self._cache_control = None
        self._retry_after = None
        self._framed = False
        self._headers_done = False
        self._length = 0

    def _refuse(self) -> None:
        """Past the size limit: fail the request, keep nothing, read nothing more."""
        self._fail(_TooLarge())
        self._reset()
        self.closed = True
        self.pool.discard(self)
        if self.transport is not None:
            self.transport.abort()  # unlike close(), drops at once: nothing to flush

    def _fail(self, error: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool.discard(self)
            if self.transport is not None:
                self.transport.close()


class _Pool:
    """Connections to one origin: reused last-in first-out, at most `limit` open."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        host: str,
        port: int,
        tls: ssl.SSLContext | None,
        limit: int,
        keepalive_timeout: float,
    ) -> None:
        self.loop = loop
        self.host = host
        self.port = port
        self.tls = tls
        self.limit = limit
        self.keepalive_timeout = keepalive_timeout
        self.idle: deque[_Connection] = deque()
        self.open = 0
        self._members: set[_Connection] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, max_idle: float | None) -> tuple[_Connection, bool]:
        """A connection for one request, and whether it was used before."""
        while True:
            now = self.loop.time()
            while self.idle:
                connection = self.idle.pop()
                idle_for = now - connection.idle_since
                limit = self.keepalive_timeout if max_idle is None else max_idle
                if connection.closed or idle_for > limit:
                    connection.close()
                else:
                    return connection, True
            if self.open < self.limit:
                return await self._connect(), False
            waiter = self.loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: the turn goes to the next waiter
                raise

    async def _connect(self) -> _Connection:
        self.open += 1
        try:
            _, connection = await self.loop.create_connection(
                lambda: _Connection(self),
                self.host,
                self.port,
                ssl=self.tls,
                server_hostname=self.host if self.tls is not None else None,
            )
        except BaseException:
            self.open -= 1
            self._wake()
            raise
        self._members.add(connection)
        return connection

    def release(self, connection: _Connection, reusable: bool) -> None:
        if reusable and not connection.closed:
            connection.idle_since = self.loop.time()
            self.idle.append(connection)
            self._wake()
        else:
            connection.close()

    def discard(self, connection: _Connection) -> None:
        """A connection closed: it no longer counts against the limit."""
        if connection in self._members:
            self._members.discard(connection)
            self.open -= 1
            if connection in self.idle:
                self.idle.remove(connection)
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def close(self) -> None:
        for connection in list(self._members):
            connection.close()


class Http1Transport:
    """POSTs GraphQL requests to each subgraph's URL over pooled HTTP/1.1 connections."""

    def __init__(
        self,
        urls: Mapping[str, str],
        *,
        on_request: Callable[[str], None] | None = None,
        max_connections: int = 512,
        keepalive_timeout: float = 30.0,
        tls: ssl.SSLContext | None = None,
        response_limits: ResponseLimits | None = None,
    ) -> None:
        self._urls = dict(urls)
        self._on_request = on_request
        self._limits = response_limits or ResponseLimits()
        self._max_connections = max_connections
        self._keepalive_timeout = keepalive_timeout
        self._tls = tls
        self._targets: dict[str, _Target] = {}
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        return await self.send_encoded(
            subgraph,
            orjson.dumps(request.to_json()),
            request.headers,
            retryable=request.is_query,
        )

    async def send_encoded(
        self,
        subgraph: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        *,
        retryable: bool,
    ) -> JSONObject:
        """Send an already serialised request body (the de-duplicator has one for its key)."""
        target = self._targets.get(subgraph) or self._target(subgraph)
        if self._on_request is not None:
            self._on_request(subgraph)
        message = _message(subgraph, target, body, headers)
        pool = target.pool
        max_idle = None if retryable else MUTATION_MAX_IDLE
        retried = False
        while True:
            try:
                connection, reused = await pool.acquire(max_idle)
            except OSError as error:
                raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
            answer: _Answer | None = None
            try:
                answer = await connection.exchange(message, target.limit)
            except _TooLarge:
                raise SubgraphResponseTooLarge(subgraph, target.limit) from None
            except _ConnectionLost as lost:
                if reused and retryable and not lost.answered and not retried:
                    retried = True
                    continue
                raise SubgraphHTTPError(
                    f"HTTP fetch failed from '{subgraph}': connection closed: {lost}"
                ) from lost
            except SubgraphHTTPError as error:
                raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
            finally:
                # Cancelled or failed mid-answer: the connection's state is unknown.
                pool.release(connection, answer is not None and answer.keep_alive)
            body = _decoded(subgraph, answer, target.limit)
            decoded = decode_response(
                subgraph, answer.status, answer.reason, body, answer.retry_after
            )
            return with_cache_control(decoded, answer.cache_control)

    def _target(self, subgraph: str) -> _Target:
        url = self._urls.get(subgraph)
        if url is None:
            raise SubgraphHTTPError(f"no URL known for subgraph '{subgraph}'")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': bad URL {url!r}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise SubgraphHTTPError(f"HTTP fetch failed from '{subgraph}': {error}") from error
        host = parts.hostname
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None:
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            tls = (self._tls or ssl.create_default_context()) if scheme == "https" else None
            pool = _Pool(
                self._loop, host, port, tls, self._max_connections, self._keepalive_timeout
            )
            self._pools[key] = pool
        authority = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            authority = f"{authority}:{port}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_line = f"POST {path} HTTP/1.1\r\nhost: {authority}\r\n".encode()
        defaults = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
        limit = self._limits.of(subgraph)
        target = _Target(pool, limit, request_line + defaults.encode(), request_line)
        self._targets[subgraph] = target
        return target

    async def aclose(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self._targets.clear()
        self._loop = None


def _message(
    subgraph: str, target: _Target, body: bytes, headers: Mapping[str, str] | None
) -> bytes:
    length = b"content-length: %d\r\n\r\n" % len(body)
    if not headers:
        return target.head + length + body
    merged = dict(HEADERS)
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in FRAMING_HEADERS:
            continue
        if _TOKEN.fullmatch(name) is None or _LINE_BREAK.search(value) is not None:
            raise SubgraphHTTPError(
                f"HTTP fetch failed from '{subgraph}': invalid header {name!r} for a subgraph request"
            )
        merged[lowered] = value
    lines = "".join(f"{name}: {value}\r\n" for name, value in merged.items())
    return target.request_line + lines.encode() + length + body


def _decoded(subgraph: str, answer: _Answer, limit: int) -> bytes:
    encoding = answer.encoding
    if not encoding or encoding == b"identity":
        return answer.body
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return _inflate(subgraph, answer.body, 16 + zlib.MAX_WBITS, limit)
        if encoding == b"deflate":
            try:
                return _inflate(subgraph, answer.body, zlib.MAX_WBITS, limit)
            except zlib.error:
                return _inflate(subgraph, answer.body, -zlib.MAX_WBITS, limit)
    except zlib.error as error:
        raise SubgraphHTTPError(
            f"HTTP fetch failed from '{subgraph}': undecodable {encoding.decode()} body: {error}"
        ) from error
    raise SubgraphHTTPError(
        f"HTTP fetch failed from '{subgraph}': unsupported content-encoding {encoding.decode()!r}"
    )


def _inflate(subgraph: str, body: bytes, wbits: int, limit: int) -> bytes:
    """`body` decompressed, refused once it would pass `limit` bytes (a small body
    can inflate a thousandfold)."""
    inflater = zlib.decompressobj(wbits)
    inflated = inflater.decompress(body, limit + 1)
    if inflater.unconsumed_tail or len(inflated) > limit:
        raise SubgraphResponseTooLarge(subgraph, limit)
    inflated += inflater.flush()
    if len(inflated) > limit:
        raise SubgraphResponseTooLarge(subgraph, limit)
    return inflated
