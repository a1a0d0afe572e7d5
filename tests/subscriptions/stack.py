"""The router in the test's loop, over the three stub subgraphs (stubs.py), on free
loopback ports: real uvicorn servers, real WebSockets, the router's own server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from supergraph.compose import SubgraphSource, compose
from supergraph.http.config import parse_config
from supergraph.http.listener import RouterServer
from supergraph.http.protocol import uvicorn_config
from supergraph.http.server import build_app
from tests.http.loopback import serve
from tests.subscriptions.stubs import Feed, accounts_schema, orders_schema, products_schema

SUBSCRIPTION = """
subscription Status($id: ID!) {
  orderStatusChanged(orderId: $id) { id status product { name inStock } user { name } }
}"""


def event(order_id: str, status: str) -> dict[str, Any]:
    """The federated result of SUBSCRIPTION for one event."""
    return {
        "data": {
            "orderStatusChanged": {
                "id": order_id,
                "status": status,
                "product": {"name": f"Product p{order_id}", "inStock": True},
                "user": {"name": f"User u{order_id}"},
            }
        }
    }


@dataclass
class Stack:
    url: str
    """The router's base URL (http://127.0.0.1:PORT)."""
    feed: Feed
    app: Starlette
    server: RouterServer
    supergraph: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    @property
    def upstream(self) -> Any:
        """The router's upstream subscription transport (counts its sockets)."""
        return self.app.state.holder.router.subscription_transport


def subgraph_app(schema: strawberry.federation.Schema) -> Starlette:
    """Strawberry at /graphql: queries over HTTP, subscriptions over graphql-transport-ws."""
    graphql = GraphQL(schema)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ]
    )


def sdl_of(schema: strawberry.federation.Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.data is not None
    return str(result.data["_service"]["sdl"])


async def until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _recording(name: str, app: Starlette, feed: Feed) -> Any:
    """`app`, noting the headers of each HTTP request in `feed.fetches`."""

    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            feed.fetches.append((name, headers))
        await app(scope, receive, send)

    return recorded


@asynccontextmanager
async def subgraphs(feed: Feed) -> AsyncIterator[str]:
    """The three subgraphs served; the composed supergraph SDL."""
    async with AsyncExitStack() as stack:
        sources = []
        for name, schema in (
            ("orders", orders_schema(feed)),
            ("products", products_schema()),
            ("accounts", accounts_schema()),
        ):
            app = _recording(name, subgraph_app(schema), feed)
            url = await stack.enter_async_context(serve(app))
            sources.append(SubgraphSource(name, f"{url}/graphql", sdl_of(schema)))
        composition = compose(sources)
        assert composition.supergraph_sdl is not None, composition.errors
        yield composition.supergraph_sdl


@asynccontextmanager
async def router(
    sdl: str, feed: Feed, config: dict[str, Any] | None = None
) -> AsyncIterator[Stack]:
    app = build_app(sdl, parse_config(config or {}))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = RouterServer(uvicorn_config(app, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started or task.done(), "the router to start")
    try:
        yield Stack(f"http://127.0.0.1:{sock.getsockname()[1]}", feed, app, server, sdl)
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def stack(config: dict[str, Any] | None = None) -> AsyncIterator[Stack]:
    feed = Feed()
    async with subgraphs(feed) as sdl, router(sdl, feed, config) as running:
        yield running
