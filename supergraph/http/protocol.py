"""The HTTP/1.1 protocol the router serves with: uvicorn's httptools protocol, one write per response.

uvicorn writes a response's status line and headers when the app sends
`http.response.start`, and the body when it sends `http.response.body`: two
`transport.write` calls. uvloop sends each write to the socket at once, so a
small response costs two `write` system calls, two TCP segments on the wire and
two wake-ups of the client; at concurrency 1 those writes were about a third of
the router's CPU per request. Here the transport handed to uvicorn holds a
write back until the next one (then both go out in one `writelines`, one
system call) or until the event loop's next turn, whichever comes first, so
nothing waits longer than the current callback; `close`, `write_eof` and
`abort` see the held bytes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


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


class HttpProtocol(HttpToolsProtocol):
    """`uvicorn.Config(http=HttpProtocol)`: httptools, each response in one write."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses: no isinstance check.
        stream = cast(asyncio.Transport, transport)
        super().connection_made(CoalescingTransport(stream, self.loop))


def uvicorn_config(app: Any, **settings: Any) -> uvicorn.Config:
    """How every router process runs uvicorn (serve, dev, each --workers worker):
    this protocol, warnings only, no access log; `settings` add host, port, lifespan."""
    return uvicorn.Config(app, http=HttpProtocol, log_level="warning", access_log=False, **settings)
