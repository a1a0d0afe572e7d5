"""Clients of the router's three subscription protocols, reading real sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
TIMEOUT = 10.0


class WsClient:
    """graphql-transport-ws, by hand: every message the router sends is visible."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message that is not a ping (answered)."""
        while True:
            message: dict[str, Any] = orjson.loads(
                await asyncio.wait_for(self.socket.recv(), TIMEOUT)
            )
            if message.get("type") != "ping":
                return message
            await self.send({"type": "pong"})

    async def subscribe(self, operation_id: str, query: str, variables: dict[str, Any]) -> None:
        payload = {"query": query, "variables": variables}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})


@asynccontextmanager
async def ws_client(url: str, init: dict[str, Any] | None = None) -> AsyncIterator[WsClient]:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        client = WsClient(socket)
        message: dict[str, Any] = {"type": "connection_init"}
        if init is not None:
            message["payload"] = init
        await client.send(message)
        yield client


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) of a graphql-sse stream, as they arrive (comments skipped)."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "":
            if event:
                yield event, orjson.loads(data) if data else None
            event, data = "", ""


async def multipart_parts(response: httpx.Response) -> AsyncIterator[Any]:
    """The JSON parts of an Apollo multipart subscription, each as soon as the delimiter
    after it arrives (as Apollo Client reads them); the boundary comes from the
    response's content type."""
    content_type = response.headers["content-type"]
    boundary = content_type.split('boundary="')[1].split('"')[0].encode()
    delimiter = b"\r\n--" + boundary
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while True:
            start = buffer.find(delimiter)
            if start < 0:
                break
            after = buffer[start + len(delimiter) :]
            if after.startswith(b"--"):
                return
            end = after.find(delimiter)
            if end < 0:
                break
            buffer = after[end:]
            yield orjson.loads(after[:end].partition(b"\r\n\r\n")[2])


async def node_subscriber(
    url: str, query: str, variables: dict[str, Any], count: int, token: str | None = None
) -> asyncio.subprocess.Process:
    """The graphql-ws npm client (tests/node/graphql-ws-subscribe.mjs), one JSON line a result."""
    args = [url, query, json.dumps(variables), str(count), *([token] if token else [])]
    return await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        str(NODE_DIR / "graphql-ws-subscribe.mjs"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=NODE_DIR,
    )


async def read_line(process: asyncio.subprocess.Process) -> dict[str, Any]:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
    if not line:
        assert process.stderr is not None
        raise AssertionError(f"node ended: {(await process.stderr.read()).decode()}")
    parsed: dict[str, Any] = orjson.loads(line)
    return parsed


async def apollo_client(
    mode: str,
    url: str,
    query: str,
    variables: dict[str, Any],
    count: int = 1,
    token: str | None = None,
) -> asyncio.subprocess.Process:
    """Apollo Client in Node (tests/node/apollo-client.mjs): MODE subscribe-http
    (multipart subscriptions), subscribe-ws (GraphQLWsLink) or defer:HANDLER (20220824 or
    graphql17Alpha9, Apollo Client's incremental handler); one JSON line an
    event, `{"done": ...}` last; `token` goes in the Authorization header."""
    return await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        str(NODE_DIR / "apollo-client.mjs"),
        mode,
        url,
        query,
        json.dumps(variables),
        str(count),
        *([token] if token else []),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=NODE_DIR,
    )


async def read_all(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    """Every line the node client prints, up to and with its `done` line."""
    lines = []
    while True:
        lines.append(await read_line(process))
        if "done" in lines[-1]:
            await asyncio.wait_for(process.wait(), TIMEOUT)
            return lines
