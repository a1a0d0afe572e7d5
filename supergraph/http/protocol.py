"""The HTTP/1.1 protocol the router serves with: uvicorn's httptools protocol, one
write per response, and bounds on what one connection may cost.

**One write per response.** uvicorn writes a response's status line and headers
when the app sends `http.response.start`, and the body when it sends
`http.response.body`: two `transport.write` calls. uvloop sends each write to
the socket at once, so a small response costs two `write` system calls, two TCP
segments on the wire and two wake-ups of the client; at concurrency 1 those
writes were about a third of the router's CPU per request. Here the transport
handed to uvicorn holds a write back until the next one (then both go out in
one `writelines`, one system call) or until the event loop's next turn,
whichever comes first, so nothing waits longer than the current callback;
`close`, `write_eof` and `abort` see the held bytes first.

**Bounds** (`EdgeLimits`: router.yaml's `limits.http1_*` and `server.http.*`).
llhttp limits nothing itself, and httptools joins the pieces of a header by
copying it: a 64 MB header used to be read whole. So:

- The bytes of a request that are not its body (request line and headers; a
  chunked body's framing and trailers) are counted as they arrive. A head is
  fed to the parser only up to the limit: past it the client gets 431 (414
  when it is mostly the URL) and nothing more is parsed. Framing and trailers
  are checked after each read, so they may pass the limit by one read.
- Header fields are counted when the head ends (its size is bounded already).
- One deadline per connection, for what it is doing: receiving a head
  (`header_read_timeout`, from its first byte, or from the accept for a new
  connection), a body (`body_read_timeout`, from the end of its head), or
  nothing between requests (`keep_alive_timeout`). None runs while the router
  works on a request. A late head or body gets 408, an idle connection is just
  closed. The deadline is a number set at each step, watched by one timer per
  connection that re-arms itself when it fires early: a request costs a few
  clock reads and attribute writes, no timer set-up (uvicorn armed and
  cancelled a keep-alive timer per request).
- A refusal is a small GraphQL-shaped JSON body with `connection: close`; the
  connection then stops parsing, half-closes, and drops what still arrives (at
  most `LINGER_BYTES`, for `LINGER_SECONDS`), so that the client can read the
  answer before the socket is gone.
- The router's own server (listener.py) stops accepting at `max_connections`;
  a connection the event loop accepted beyond it all the same (asyncio's loop
  accepts a burst at once) waits, unread, for a free slot. Under any other
  server, one beyond the cap gets 503.
"""

from __future__ import annotations

import asyncio
import logging
import math
import typing
from collections.abc import Iterable
from typing import Any, Final, cast

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from supergraph.errors import (
    BAD_REQUEST,
    MAX_HEADER_SIZE_EXCEEDED,
    MAX_HEADERS_EXCEEDED,
    REQUEST_TIMEOUT,
    SERVICE_UNAVAILABLE,
    URI_TOO_LONG,
    graphql_error,
)
from supergraph.http.edge_limits import EdgeLimits

logger = logging.getLogger(__name__)


class CoalescingTransport(asyncio.Transport):
    """A transport that joins each write with the next one (or flushes it on the loop's
    next turn). Everything else is the wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: bytes | bytearray | memoryview | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is None:
            if data:
                self._held = data
                self._loop.call_soon(self.flush)
            return
        self._held = None
        self._transport.writelines((held, data))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        held = self._held
        self._held = None
        self._transport.writelines(list_of_data if held is None else (held, *list_of_data))

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            # The connection may have been lost since (the bytes have nowhere to go).
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        held = self._held
        return self._transport.get_write_buffer_size() + (0 if held is None else len(held))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


_WAITING: Final = 0
"""Between requests (or a new connection that has sent nothing yet)."""
_HEAD: Final = 1
"""Receiving a request line and headers."""
_BODY: Final = 2
"""Receiving a body."""

LINGER_SECONDS: Final = 1.0
LINGER_BYTES: Final = 256 * 1024

_NO_DEADLINE: Final = math.inf


class ConnectionGate(typing.Protocol):
    """Told when connections begin and end (listener.py: the cap on connections)."""

    def opened(self, connection: HttpProtocol, connections: int) -> bool:
        """Whether to serve `connection` now; if not, the gate calls its `admit` later."""
        ...

    def closed(self, connection: HttpProtocol, connections: int) -> None: ...


class ServingConfig(uvicorn.Config):
    """uvicorn's settings, and the limits `HttpProtocol` enforces."""

    def __init__(self, app: Any, limits: EdgeLimits, **settings: Any) -> None:
        super().__init__(app, **settings)
        self.limits = limits


class _Refused(Exception):
    """Raised in a parser callback to stop parsing; `HttpProtocol._refusal` says why."""


class HttpProtocol(HttpToolsProtocol):
    """`uvicorn.Config(http=HttpProtocol)`: httptools, each response in one write, and
    the limits of a `ServingConfig` (the defaults under any other config)."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        limits = config.limits if isinstance(config, ServingConfig) else DEFAULT_LIMITS
        self._limits = limits
        self._max_head = limits.max_head_bytes
        self._max_headers = limits.max_headers
        self._header_timeout = limits.header_read_timeout
        self._body_timeout = limits.body_read_timeout
        self._keep_alive = limits.keep_alive_timeout
        self._gate: ConnectionGate | None = getattr(server_state, "gate", None)
        self.url = b""
        self._phase = _WAITING
        self._unparsed = 0
        """Bytes of the current request fed to the parser that were not body."""
        self._heads = 0
        """Request heads completed on this connection."""
        self._fields = 0
        """Header fields in the current request's head (more at its end: trailers)."""
        self._deadline = _NO_DEADLINE
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = _NO_DEADLINE
        self._refusal: tuple[int, str, str] | None = None
        self._lingering = False
        self._discarded = 0

    # -- the connection ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check.
        stream = cast(asyncio.Transport, transport)
        super().connection_made(CoalescingTransport(stream, self.loop))
        connections = len(self.connections)
        if self._gate is not None:
            if not self._gate.opened(self, connections):
                self.flow.pause_reading()  # over the cap: unread until admitted
                return
        elif connections > self._limits.max_connections:
            self._refuse(503, SERVICE_UNAVAILABLE, "The router has too many connections.")
            return
        self._set_deadline(self.loop.time() + self._header_timeout)

    def admit(self) -> None:
        """A slot is free: serve this connection, which waited since its accept."""
        self.flow.resume_reading()
        self._set_deadline(self.loop.time() + self._header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._gate is not None:
            self._gate.closed(self, len(self.connections))

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self._discard(len(data))
            return
        unparsed = self._unparsed + len(data)
        if unparsed > self._max_head and self._phase != _BODY:
            self._feed_head_up_to_limit(data)
            return
        self._unparsed = unparsed
        try:  # as _feed, without a call per read
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._upgrade()
        except httptools.HttpParserError as error:
            self._invalid(error)
        if self._unparsed > self._max_head and not self._lingering:
            # A chunked body's framing and trailers: checked after the read.
            self._refuse(431, MAX_HEADER_SIZE_EXCEEDED, self._head_message())

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._upgrade()
        except httptools.HttpParserError as error:
            self._invalid(error)

    def _upgrade(self) -> None:
        if self._should_upgrade():
            self.handle_websocket_upgrade()
        else:
            self._unsupported_upgrade_warning()

    def _invalid(self, error: httptools.HttpParserError) -> None:
        """The parser stopped: on a refusal of ours, or on input that is not HTTP."""
        refusal, self._refusal = self._refusal, None
        if refusal is None:
            # Bad input from a client: not worth more than a debug line.
            logger.debug("invalid HTTP request: %s", error)
            refusal = (400, BAD_REQUEST, "The request is not valid HTTP/1.1.")
        self._refuse(*refusal)

    def _feed_head_up_to_limit(self, data: bytes) -> None:
        """Feed no more than the limit allows; past it, a head that has not ended is refused."""
        room = self._max_head - self._unparsed
        heads = self._heads
        if room > 0:
            self._unparsed += room
            self._feed(data[:room])
            if self._lingering or self.transport.is_closing():
                return
        if self._heads == heads:
            if len(self.url) > self._max_head // 2:
                self._refuse(414, URI_TOO_LONG, "The request URL is too long: send a POST.")
            else:
                self._refuse(431, MAX_HEADER_SIZE_EXCEEDED, self._head_message())
            return
        self.data_received(data[room:])  # the body, or the next request

    def _head_message(self) -> str:
        return f"The request line and headers are larger than {self._max_head} bytes."

    def handle_websocket_upgrade(self) -> None:
        if self._timer is not None:  # the WebSocket protocol keeps its own time
            self._timer.cancel()
            self._timer = None
        super().handle_websocket_upgrade()

    # -- parser callbacks: the phase and its deadline ------------------------------

    # The deadline is written inline (not through `_set_deadline`): these run per request.

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _HEAD
        if self._heads:  # a new connection's first head is due header_read_timeout after accept
            self._deadline = deadline = self.loop.time() + self._header_timeout
            if deadline < self._timer_at:
                self._set_deadline(deadline)

    def on_headers_complete(self) -> None:
        headers = len(self.headers)
        if headers > self._max_headers:
            message = f"The request has {headers} header fields; at most {self._max_headers}."
            self._refusal = (431, MAX_HEADERS_EXCEEDED, message)
            raise _Refused
        self._phase = _BODY
        self._heads += 1
        self._fields = headers
        self._deadline = deadline = self.loop.time() + self._body_timeout
        if deadline < self._timer_at:
            self._set_deadline(deadline)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._unparsed -= len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        if len(self.headers) != self._fields:
            self._check_trailers()  # uvicorn adds them to the headers
        super().on_message_complete()
        self._phase = _WAITING
        self._unparsed = 0
        cycle = self.cycle
        if cycle is not None and cycle.response_complete and not self.pipeline:
            # Answered before the body ended (e.g. 413): now idle.
            self._set_deadline(self.loop.time() + self._keep_alive)
        else:
            self._deadline = _NO_DEADLINE  # the router's turn

    def _check_trailers(self) -> None:
        # A trailer that came in the read that ended the body escaped the count per read.
        trailers = self.headers[self._fields :]
        size = sum(len(name) + len(value) + 4 for name, value in trailers)
        if len(self.headers) > self._max_headers:
            self._refusal = (431, MAX_HEADERS_EXCEEDED, "The request has too many trailer fields.")
            raise _Refused
        if size > self._max_head:
            self._refusal = (431, MAX_HEADER_SIZE_EXCEEDED, self._head_message())
            raise _Refused

    def on_response_complete(self) -> None:
        # uvicorn's, with the keep-alive deadline instead of a timer per response.
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif self._phase == _WAITING:
            self._deadline = deadline = self.loop.time() + self._keep_alive
            if deadline < self._timer_at:
                self._set_deadline(deadline)

    # -- the deadline ----------------------------------------------------------------

    def _set_deadline(self, deadline: float) -> None:
        self._deadline = deadline
        if deadline < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = _NO_DEADLINE
        deadline = self._deadline
        if deadline == _NO_DEADLINE:
            return
        if self.loop.time() < deadline:
            self._set_deadline(deadline)  # moved on since the timer was set
            return
        if self._lingering or self._phase == _WAITING:
            self.transport.close()  # idle, or done lingering
        elif self._phase == _HEAD:
            seconds = self._limits.header_read_timeout
            self._refuse(408, REQUEST_TIMEOUT, f"The request head took longer than {seconds:g} s.")
        else:
            seconds = self._limits.body_read_timeout
            self._refuse(408, REQUEST_TIMEOUT, f"The request body took longer than {seconds:g} s.")

    # -- refusing ----------------------------------------------------------------------

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer `status` (unless a response has begun), then stop reading this connection."""
        if self._lingering:
            return
        self._lingering = True
        self.pipeline.clear()
        answered = False
        cycle = self.cycle
        if cycle is not None:
            if not cycle.response_complete:
                answered = cycle.response_started
                # The app's receive() now says "disconnected" and its send() does nothing.
                cycle.disconnected = True
                cycle.message_event.set()
            elif self._phase == _BODY:
                answered = True  # this request has had its answer (e.g. 413 before its body)
        transport = self.transport
        if answered or transport.is_closing():
            transport.close()
            return
        transport.write(refusal(status, code, message, self.server_state.default_headers))
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        self.flow.resume_reading()  # to drop what the client still sends
        self._set_deadline(self.loop.time() + LINGER_SECONDS)

    def _discard(self, size: int) -> None:
        self._discarded += size
        if self._discarded > LINGER_BYTES:
            self.transport.close()


def refusal(
    status: int, code: str, message: str, default_headers: Iterable[tuple[bytes, bytes]] = ()
) -> bytes:
    """A whole HTTP/1.1 response: a GraphQL-shaped error, then the connection closes."""
    body = orjson.dumps({"errors": [graphql_error(message, code=code)]})
    head = [STATUS_LINE[status]]
    for name, value in default_headers:
        head += (name, b": ", value, b"\r\n")
    head.append(b"content-type: application/json\r\nconnection: close\r\n")
    head.append(b"content-length: %d\r\n\r\n" % len(body))
    return b"".join(head) + body


DEFAULT_LIMITS: Final = EdgeLimits()


def uvicorn_config(app: Any, limits: EdgeLimits | None = None, **settings: Any) -> ServingConfig:
    """How every router process runs uvicorn (serve, dev, each --workers worker):
    this protocol with `limits`, warnings only, no access log; `settings` add host,
    port, lifespan. Serve it with listener.RouterServer (the connection cap)."""
    return ServingConfig(
        app,
        limits or DEFAULT_LIMITS,
        http=HttpProtocol,
        log_level="warning",
        access_log=False,
        # The router reads forwarding headers itself, from the proxies it is told to
        # trust (supergraph.forwarded_allow_ips); uvicorn's trusts 127.0.0.1 by default.
        proxy_headers=False,
        **settings,
    )
