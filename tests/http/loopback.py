"""Serve an ASGI app with uvicorn on a free loopback port, inside the test's loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from graphql import GraphQLSchema, graphql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@asynccontextmanager
async def serve(app: Any, http: Any = "auto", **settings: Any) -> AsyncIterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) while uvicorn serves `app`
    (`http`: uvicorn's protocol setting, e.g. the router's own HttpProtocol;
    `settings`: other uvicorn.Config settings)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, http=http, log_level="warning", access_log=False, lifespan="on", **settings
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


class GraphQLApp:
    """A subgraph on HTTP: executes a graphql-core schema, counts requests and connections."""

    def __init__(self, schema: GraphQLSchema, delay: float = 0.0, status: int = 200) -> None:
        self.schema = schema
        self.delay = delay
        self.status = status
        self.requests = 0
        self.peers: set[object] = set()
        self.headers: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/graphql", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.requests += 1
        self.peers.add(request.client)
        self.headers.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return Response(b"nope", self.status)
        body = await request.json()
        result = await graphql(
            self.schema,
            body["query"],
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        return JSONResponse(result.formatted)
