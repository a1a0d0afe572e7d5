"""HTTP edge limits in process: router.yaml keys, what the protocol feeds its parser,
the accept gate of the router's server, the 503 backstop. (The same limits against
a real router process: tests/hostile/test_edge.py.)"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, ClassVar, cast

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from supergraph.http.config import ConfigError, parse_config
from supergraph.http.edge_limits import EdgeLimits
from supergraph.http.listener import RouterServer
from supergraph.http.protocol import HttpProtocol, ServingConfig, uvicorn_config

# -- router.yaml -----------------------------------------------------------------------


def test_safe_defaults() -> None:
    edge = parse_config({}).edge
    assert edge == EdgeLimits()
    assert (edge.max_headers, edge.max_head_bytes, edge.max_connections) == (100, 32768, 1024)
    assert (edge.header_read_timeout, edge.body_read_timeout, edge.keep_alive_timeout) == (
        10.0,
        30.0,
        5.0,
    )


def test_apollo_spellings_and_plain_numbers() -> None:
    edge = parse_config(
        {
            "limits": {"http1_max_request_headers": 200, "http1_max_request_buf_size": "400KiB"},
            "server": {
                "http": {
                    "header_read_timeout": "30s",
                    "body_read_timeout": "500ms",
                    "keep_alive_timeout": 75,
                    "max_connections": 10_000,
                }
            },
        }
    ).edge
    assert edge == EdgeLimits(200, 400 * 1024, 30.0, 0.5, 75.0, 10_000)
    assert parse_config({"limits": {"http1_max_request_buf_size": 65536}}).edge.max_head_bytes == (
        65536
    )
    assert parse_config({"limits": {"http1_max_request_buf_size": "1mb"}}).edge.max_head_bytes == (
        1_000_000
    )
    assert parse_config({"server": {"http": None}}).edge == EdgeLimits()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"server": {"http": {"max_conections": 5}}}, "server.http.max_conections: unknown key"),
        ({"server": {"https": {}}}, "server.https: unknown key"),
        ({"server": {"http": {"max_connections": 0}}}, "server.http.max_connections: expected"),
        ({"server": {"http": {"header_read_timeout": 0}}}, "server.http.header_read_timeout: "),
        ({"server": {"http": {"body_read_timeout": "soon"}}}, "server.http.body_read_timeout: "),
        ({"server": {"http": {"keep_alive_timeout": True}}}, "server.http.keep_alive_timeout: "),
        ({"limits": {"http1_max_request_headers": -1}}, "limits.http1_max_request_headers: "),
        ({"limits": {"http1_max_request_buf_size": 100}}, "of at least 1024"),
        ({"limits": {"http1_max_request_buf_size": "32 parsecs"}}, "http1_max_request_buf_size"),
        ({"server": []}, "server: expected a mapping"),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


# -- the protocol, over loopback ----------------------------------------------------------


async def _ok(request: Request) -> PlainTextResponse:
    await request.body()
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/", _ok, methods=["GET", "POST"])])


class _CountingParser:
    """httptools' parser, counting the bytes it is fed."""

    def __init__(self, parser: Any, counts: list[int]) -> None:
        self._parser = parser
        self._counts = counts

    def feed_data(self, data: bytes) -> None:
        self._counts[-1] += len(data)
        self._parser.feed_data(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)


class CountingProtocol(HttpProtocol):
    """Records, per connection, how many bytes reached the parser."""

    fed: ClassVar[list[int]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        CountingProtocol.fed.append(0)
        self.parser = cast(Any, _CountingParser(self.parser, CountingProtocol.fed))
        super().connection_made(transport)


@asynccontextmanager
async def serving(
    limits: EdgeLimits, *, gated: bool = True, http: type[HttpProtocol] = HttpProtocol
) -> AsyncIterator[tuple[int, uvicorn.Server]]:
    """The router's server (or plain uvicorn's, `gated=False`) in this loop."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = ServingConfig(APP, limits, http=http, log_level="warning", lifespan="off")
    server = RouterServer(config) if gated else uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await _until(lambda: server.started, "the server to start")
    try:
        yield sock.getsockname()[1], server
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":")[1]) for line in lines if line.startswith("content-length"))
    return int(lines[0].split()[1]), await reader.readexactly(length)


async def test_a_head_over_the_limit_never_reaches_the_parser_beyond_it() -> None:
    limits = EdgeLimits(max_head_bytes=4096)
    CountingProtocol.fed.clear()
    async with serving(limits, http=CountingProtocol) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nhost: x\r\nx-big: ")
        for _ in range(64):  # 1 MB in 16 KB writes, while the router answers
            writer.write(b"a" * 16384)
        status, body = await _answer(reader)
        writer.close()
    assert status == 431
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "MAX_HEADER_SIZE_EXCEEDED"
    assert CountingProtocol.fed == [4096]  # the parser saw exactly the limit, not a byte more


async def test_the_gate_stops_accepting_at_the_cap_and_reopens_below_it() -> None:
    async with serving(EdgeLimits(max_connections=2)) as (port, server):
        assert isinstance(server, RouterServer)
        first = await asyncio.open_connection("127.0.0.1", port)
        second = await asyncio.open_connection("127.0.0.1", port)
        await _until(lambda: len(server.server_state.connections) == 2, "two connections")
        assert server.gate.paused and server.servers == []
        # A third connects (the kernel completes it) but is not accepted yet.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        await asyncio.sleep(0.2)
        assert len(server.server_state.connections) == 2
        first[1].close()
        assert await _answer(reader) == (200, b"ok")
        assert server.gate.pauses >= 1
        writer.close()
        second[1].close()
        await _until(lambda: not server.gate.paused, "the gate to reopen")
        assert server.servers  # listening again


async def test_a_burst_accepted_over_the_cap_waits_unread_for_free_slots() -> None:
    """asyncio's loop accepts every pending connection at once: those over the cap wait."""
    async with serving(EdgeLimits(max_connections=2)) as (port, server):
        assert isinstance(server, RouterServer)
        # Connected while this loop (the server's) is blocked: all four are pending together.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
        for client in clients:
            client.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            client.setblocking(False)
        await _until(lambda: len(server.server_state.connections) == 4, "the burst accepted")
        assert server.gate.waiting == 2
        served = await _answers(clients, 2)
        # The other two are not read at all while no slot is free.
        assert _nothing_yet(clients[i] for i in range(4) if i not in served)
        for index in served:
            clients[index].close()
        waited = await _answers([c for i, c in enumerate(clients) if i not in served], 2)
        assert len(waited) == 2 and server.gate.waiting == 0
        for client in clients:
            client.close()


async def _answers(clients: list[socket.socket], expected: int) -> set[int]:
    """Wait for `expected` of the clients (by index) to get a 200."""
    answered: set[int] = set()
    for _ in range(1000):
        for index, client in enumerate(clients):
            if index in answered:
                continue
            try:
                if client.recv(65536).startswith(b"HTTP/1.1 200"):
                    answered.add(index)
            except BlockingIOError:
                pass
        if len(answered) >= expected:
            return answered
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {len(answered)} of {expected} answered")


def _nothing_yet(clients: Iterable[socket.socket]) -> bool:
    for client in clients:
        try:
            client.recv(65536)
            return False
        except BlockingIOError:
            pass
    return True


async def test_without_the_gate_a_connection_over_the_cap_gets_503() -> None:
    async with serving(EdgeLimits(max_connections=1), gated=False) as (port, server):
        _held = await asyncio.open_connection("127.0.0.1", port)
        await _until(lambda: len(server.server_state.connections) == 1, "one connection")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, body = await _answer(reader)
        writer.close()
        _held[1].close()
    assert status == 503
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"


async def test_a_trailer_split_over_reads_is_refused_when_it_passes_the_limit() -> None:
    async with serving(EdgeLimits(max_head_bytes=2048)) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
        writer.write(b"2\r\nok\r\n0\r\nx-trailer: ")
        for _ in range(8):
            await writer.drain()
            await asyncio.sleep(0.02)  # separate reads
            writer.write(b"t" * 512)
        status, _body = await _answer(reader)
        writer.close()
    assert status == 431


def test_uvicorn_config_carries_the_limits() -> None:
    limits = EdgeLimits(max_headers=7)
    config = uvicorn_config(APP, limits)
    assert isinstance(config, ServingConfig) and config.limits is limits
    assert uvicorn_config(APP).limits == EdgeLimits()
