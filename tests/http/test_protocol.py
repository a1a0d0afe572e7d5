"""The serving protocol (supergraph/http/protocol.py): one write per response, same HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from supergraph.http.protocol import CoalescingTransport, HttpProtocol
from tests.http.loopback import serve


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bytes]] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", b"".join(list_of_data)))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def test_a_write_is_joined_with_the_next_one() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert inner.calls == []
    transport.write(b"body")
    assert inner.calls == [("writelines", b"HTTP/1.1 200 OK\r\n\r\nbody")]
    await asyncio.sleep(0)  # the pending flush finds nothing to write
    assert len(inner.calls) == 1


async def test_a_lone_write_goes_out_on_the_next_loop_turn() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.get_write_buffer_size() == len(b"HTTP/1.1 100 Continue\r\n\r\n")
    await asyncio.sleep(0)
    assert inner.calls == [("write", b"HTTP/1.1 100 Continue\r\n\r\n")]


async def test_close_writes_what_is_held_first() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    transport.close()
    assert inner.calls == [("write", b"HTTP/1.1 400 Bad Request\r\n\r\n")]
    assert inner.closed
    await asyncio.sleep(0)
    assert len(inner.calls) == 1


async def test_what_is_held_is_dropped_when_the_connection_is_gone() -> None:
    inner = RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    inner.closed = True  # lost before the loop's next turn
    await asyncio.sleep(0)
    assert inner.calls == []


async def _chunks() -> AsyncIterator[bytes]:
    for part in (b"one,", b"two,", b"three"):
        await asyncio.sleep(0.01)
        yield part


async def _json(_request: Request) -> Response:
    return JSONResponse({"ok": True})


async def _stream(_request: Request) -> Response:
    return StreamingResponse(_chunks(), media_type="text/plain")


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


APP = Starlette(
    routes=[
        Route("/json", _json, methods=["GET"]),
        Route("/stream", _stream, methods=["GET"]),
        Route("/echo", _echo, methods=["POST"]),
    ]
)


def _served() -> AbstractAsyncContextManager[str]:
    return serve(APP, http=HttpProtocol)


async def test_responses_over_http_keep_alive_stream_and_head() -> None:
    async with _served() as url, httpx.AsyncClient(base_url=url) as client:
        for _ in range(3):  # one connection, reused
            response = await client.get("/json")
            assert response.status_code == 200
            assert response.json() == {"ok": True}
        streamed = await client.get("/stream")
        assert streamed.text == "one,two,three"
        head = await client.head("/json")
        assert head.status_code == 200
        assert head.content == b""
        assert (await client.get("/json")).json() == {"ok": True}  # still in step
        missing = await client.get("/nowhere")
        assert missing.status_code == 404


async def test_expect_100_continue_is_answered_before_the_body() -> None:
    async with _served() as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n"
        )
        await writer.drain()
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert interim.startswith(b"HTTP/1.1 100")
        writer.write(b"hello")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"hello"
        writer.close()
        await writer.wait_closed()
