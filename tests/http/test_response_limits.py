"""The size cap of subgraph answers in each HTTP transport, against a real loopback server.

Each transport must stop reading once an answer passes its subgraph's limit, drop
the connection (the server sees it hang up, long before the whole body is out),
keep nothing of it, refuse a `content-length` above the limit, cap compressed
answers by their inflated size, and serve the next request normally.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import orjson
import pytest

from supergraph.executor.http1_transport import Http1Transport
from supergraph.executor.http_transport import HttpTransport
from supergraph.executor.httpx_transport import HttpxTransport
from supergraph.executor.transport import (
    ResponseLimits,
    SubgraphResponseTooLarge,
    SubgraphTransport,
)
from supergraph.executor.transport import SubgraphRequest as Request

LIMIT = 100_000
HUGE = 200_000_000
FAR_LESS = 40_000_000
"""What a server may get out before the client hangs up: the limit plus socket buffers."""
SMALL = orjson.dumps({"data": {"ok": True}})
QUERY = Request("{ ok }")


@dataclass
class Server:
    """Answers every request with `answer`: ("small" | "chunked" | "length" | "gzip-bomb")."""

    answer: str = "small"
    written: int = 0
    hung_up: bool = False
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                await self.reply(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def reply(self, writer: asyncio.StreamWriter) -> None:
        self.written, self.hung_up = 0, False
        ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        if self.answer == "small":
            writer.write(ok + b"content-length: %d\r\n\r\n" % len(SMALL) + SMALL)
            await writer.drain()
            return
        if self.answer == "gzip-bomb":
            body = gzip.compress(b'{"data":{"ok":"' + b"x" * (LIMIT * 20) + b'"}}')
            writer.write(ok + b"content-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % len(body))
            writer.write(body)
            await writer.drain()
            return
        chunked = self.answer == "chunked"
        framing = b"transfer-encoding: chunked" if chunked else b"content-length: %d" % HUGE
        writer.write(ok + framing + b"\r\n\r\n")
        piece = b"x" * 65536
        try:
            while self.written < HUGE:
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                await writer.drain()
                self.written += len(piece)
        except ConnectionError:
            self.hung_up = True
            raise


@asynccontextmanager
async def serving() -> AsyncIterator[Server]:
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


Make = Callable[[dict[str, str], ResponseLimits], SubgraphTransport]
TRANSPORTS: dict[str, Make] = {
    "http1": lambda urls, limits: Http1Transport(urls, response_limits=limits),
    "aiohttp": lambda urls, limits: HttpTransport(urls, response_limits=limits),
    "httpx": lambda urls, limits: HttpxTransport(urls, response_limits=limits),
}


@pytest.mark.parametrize("transport_name", list(TRANSPORTS))
@pytest.mark.parametrize("answer", ["chunked", "length", "gzip-bomb"])
async def test_an_answer_past_the_limit_is_refused_and_the_connection_dropped(
    transport_name: str, answer: str
) -> None:
    async with serving() as server:
        url = f"http://127.0.0.1:{server.port}/graphql"
        limits = ResponseLimits(default=10, by_subgraph={"big": LIMIT})
        transport = TRANSPORTS[transport_name]({"big": url, "tiny": url}, limits)
        try:
            assert await transport.send("big", QUERY) == {"data": {"ok": True}}
            server.answer = answer
            with pytest.raises(SubgraphResponseTooLarge, match=f"larger than {LIMIT} bytes"):
                await transport.send("big", QUERY)
            if answer != "gzip-bomb":
                await asyncio.sleep(0.2)  # the server notices the hang-up on its next write
                assert server.hung_up
                assert server.written < FAR_LESS
            server.answer = "small"
            assert await transport.send("big", QUERY) == {"data": {"ok": True}}
            # The default applies to subgraphs without their own limit.
            with pytest.raises(SubgraphResponseTooLarge, match="larger than 10 bytes"):
                await transport.send("tiny", QUERY)
        finally:
            await transport.aclose()


async def test_http1_keeps_nothing_of_a_refused_answer_and_frees_its_connection() -> None:
    async with serving() as server:
        url = f"http://127.0.0.1:{server.port}/graphql"
        transport = Http1Transport({"big": url}, response_limits=ResponseLimits(LIMIT))
        try:
            await transport.send("big", QUERY)
            (pool,) = transport._pools.values()
            assert pool.open == 1
            server.answer = "chunked"
            with pytest.raises(SubgraphResponseTooLarge):
                await transport.send("big", QUERY)
            assert pool.open == 0
            assert not pool.idle
        finally:
            await transport.aclose()
