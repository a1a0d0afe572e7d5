"""A client that stops reading, over real loopback sockets (docs/subscriptions.md, drop
policy): the router keeps reading its subgraph, holds at most `queue_capacity` events
for the client and drops the oldest, counted; when the client reads again it gets
the newest events and the end. Over the WebSocket and over graphql-sse (the router's
own HTTP protocol, whose writes must wait for a client that does not read).

The subgraph sends COUNT events of SIZE bytes, far more than the sockets' buffers
hold, as fast as it can; the counts are asserted, never a duration."""

from __future__ import annotations

import asyncio
import collections
import socket
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
import strawberry
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from supergraph.compose import SubgraphSource, compose
from supergraph.pipeline.subscribe import STATS, open_subscriptions
from tests.http.loopback import serve
from tests.subscriptions.clients import sse_events
from tests.subscriptions.stack import Stack, router, sdl_of, subgraph_app, until
from tests.subscriptions.stubs import Feed

PROTOCOL = Subprotocol("graphql-transport-ws")
COUNT = 400
SIZE = 64 * 1024
CAPACITY = 4
TICKS = "subscription ($count: Int!, $size: Int!) { ticks(count: $count, size: $size) { n pad } }"
BODY = {"query": TICKS, "variables": {"count": COUNT, "size": SIZE}}


@strawberry.type
class Tick:
    n: int
    pad: str


def ticks_schema(sent: asyncio.Event) -> strawberry.federation.Schema:
    @strawberry.type
    class Query:
        hello: str = "hello"

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def ticks(self, count: int, size: int) -> AsyncGenerator[Tick, None]:
            for n in range(count):
                yield Tick(n=n, pad="x" * size)
            sent.set()

    return strawberry.federation.Schema(query=Query, subscription=Subscription)


@asynccontextmanager
async def ticking(sent: asyncio.Event) -> AsyncIterator[Stack]:
    schema = ticks_schema(sent)
    async with serve(subgraph_app(schema)) as url:
        composition = compose([SubgraphSource("ticks", f"{url}/graphql", sdl_of(schema))])
        assert composition.supergraph_sdl is not None, composition.errors
        config = {
            "subscription": {"queue_capacity": CAPACITY},
            "limits": {"subgraph": {"all": {"http_max_response_bytes": 4 * SIZE}}},
        }
        async with router(composition.supergraph_sdl, Feed(), config) as running:
            yield running


def check(numbers: list[int], dropped: int) -> None:
    assert dropped > 0  # the client fell behind: the router did not hold every event
    assert len(numbers) + dropped == COUNT  # each event either sent or counted as dropped
    assert numbers == sorted(numbers) and numbers[-1] == COUNT - 1  # the newest arrived


@pytest.mark.parametrize("protocol", ["ws", "sse"])
async def test_a_client_that_stops_reading_gets_the_newest_events_and_the_rest_are_dropped(
    protocol: str,
) -> None:
    sent = asyncio.Event()
    dropped_before = STATS.dropped
    async with ticking(sent) as running:
        if protocol == "ws":
            numbers = await _over_websocket(running, sent)
        else:
            numbers = await _over_sse(running, sent)
        check(numbers, STATS.dropped - dropped_before)
        await until(lambda: open_subscriptions() == 0, "the subscription to end")
        assert running.upstream.connections == 0


async def _after_sending(sent: asyncio.Event, dropped_before: int) -> None:
    """Until the subgraph sent every event and the router dropped some: meanwhile the
    client reads nothing."""
    await asyncio.wait_for(sent.wait(), 60)
    await until(lambda: STATS.dropped > dropped_before, "events to be dropped", 60)


async def _over_websocket(running: Stack, sent: asyncio.Event) -> list[int]:
    dropped_before = STATS.dropped
    async with _RawWebSocket(running) as client:
        await client.send({"type": "connection_init"})
        assert await client.receive() == {"type": "connection_ack"}
        payload = {"query": TICKS, "variables": {"count": COUNT, "size": SIZE}}
        await client.send({"id": "t", "type": "subscribe", "payload": payload})
        await _after_sending(sent, dropped_before)  # reading nothing meanwhile
        numbers: list[int] = []
        while True:
            message = await client.receive()
            if message["type"] == "ping":
                await client.send({"type": "pong"})
            elif message["type"] == "next":
                assert "errors" not in message["payload"], message
                numbers.append(message["payload"]["data"]["ticks"]["n"])
            else:
                assert message == {"id": "t", "type": "complete"}
                return numbers


class _RawWebSocket:
    """graphql-transport-ws on a socket read only when `receive` is called: client
    libraries read ahead into memory of their own (and the kernel grows a loopback
    socket's receive buffer up to tcp_rmem's maximum), so what the router sent would
    leave the router even though the application reads nothing."""

    def __init__(self, running: Stack) -> None:
        self.port = int(running.url.rsplit(":", 1)[1])
        self.protocol = ClientProtocol(parse_uri(running.ws_url), subprotocols=[PROTOCOL])
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        self.socket.setblocking(False)
        self.loop = asyncio.get_running_loop()
        self.received: collections.deque[dict[str, Any]] = collections.deque()

    async def __aenter__(self) -> _RawWebSocket:
        await self.loop.sock_connect(self.socket, ("127.0.0.1", self.port))
        self.protocol.send_request(self.protocol.connect())
        await self._flush()
        while not self.protocol.events_received():  # the 101 response
            await self._read()
        assert self.protocol.handshake_exc is None, self.protocol.handshake_exc
        return self

    async def __aexit__(self, *_: object) -> None:
        self.socket.close()

    async def send(self, message: dict[str, Any]) -> None:
        self.protocol.send_text(orjson.dumps(message))
        await self._flush()

    async def receive(self) -> dict[str, Any]:
        while not self.received:
            await self._read()
            for frame in self.protocol.events_received():
                assert isinstance(frame, Frame)
                if frame.opcode is Opcode.TEXT:
                    self.received.append(orjson.loads(frame.data))
        return self.received.popleft()

    async def _read(self) -> None:
        data = await asyncio.wait_for(self.loop.sock_recv(self.socket, 1 << 16), 30)
        assert data, "the router closed the connection"
        self.protocol.receive_data(data)
        await self._flush()  # (pongs of protocol-level pings)

    async def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            await self.loop.sock_sendall(self.socket, data)


async def _over_sse(running: Stack, sent: asyncio.Event) -> list[int]:
    dropped_before = STATS.dropped
    headers = {"accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream("POST", f"{running.url}/graphql", json=BODY, headers=headers) as response,
    ):
        assert response.status_code == 200
        await _after_sending(sent, dropped_before)  # reading nothing meanwhile
        numbers: list[int] = []
        async for kind, data in sse_events(response):
            if kind == "complete":
                return numbers
            assert kind == "next" and "errors" not in data, data
            numbers.append(data["data"]["ticks"]["n"])
    raise AssertionError("the stream ended without `complete`")
