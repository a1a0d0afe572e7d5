"""Routers and a stub subgraph on loopback HTTP, for the traffic-shaping tests.

The stub `products` subgraph counts every request it receives and fails the ones
its `fails` rule picks (503 without a GraphQL body: a transport failure to the
router), so tests assert on counted subgraph requests, never on timing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import serve
from tests.kit.redis_namespace import RedisNamespace

TOP = "query Top { topProducts(first: 1) { upc name } }"
TOP_DATA = {"topProducts": [{"upc": "1", "name": "Table"}]}


def healthy(_index: int) -> bool:
    return False


def every_other(index: int) -> bool:
    """Fails requests 1, 3, 5, ... (half of them, deterministically)."""
    return index % 2 == 1


class StubSubgraph:
    """Answers every subgraph of the fixture supergraph; counts and fails as told."""

    def __init__(self) -> None:
        self.fails: Callable[[int], bool] = healthy
        self.requests = 0
        self.failed = 0
        self.gate: asyncio.Event | None = None
        """Set: requests wait for it (to hold them in flight)."""
        self.cache_control: str | None = None
        """Sent with every answer (the entity cache reads it)."""
        self.retry_after: int | None = None
        """Sent with each failure; a request before that many seconds have passed is
        refused again and counted in `early` (as a real rate-limited service would)."""
        self.early = 0
        self._not_before = 0.0
        self.arrived = asyncio.Condition()
        self.app = Starlette(routes=[Route("/graphql", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        index = self.requests
        self.requests += 1
        async with self.arrived:
            self.arrived.notify_all()
        if self.gate is not None:
            await self.gate.wait()
        now = asyncio.get_running_loop().time()
        if now < self._not_before:
            self.early += 1
            return Response(b"too early", 503)
        if self.fails(index):
            self.failed += 1
            if self.retry_after is None:
                return Response(b"unavailable", 503)
            self._not_before = now + self.retry_after
            return Response(b"unavailable", 503, {"retry-after": str(self.retry_after)})
        headers = {"cache-control": self.cache_control} if self.cache_control else None
        return Response(orjson.dumps(_answer(body)), media_type="application/json", headers=headers)

    async def until_received(self, count: int) -> None:
        async with asyncio.timeout(30), self.arrived:
            await self.arrived.wait_for(lambda: self.requests >= count)


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    query = body["query"]
    product = {"upc": "1", "name": "Table", "__typename": "Product"}
    if "_entities" in query:
        count = len(body["variables"]["representations"])
        return {"data": {"_entities": [{"reviews": [{"body": "good"}]}] * count}}
    if re.search(r"\bme\b", query):
        return {"data": {"me": {"id": "1", "username": "ada"}}}
    if "addProduct" in query:
        return {"data": {"addProduct": product}}
    return {"data": {"topProducts": [product]}}


@dataclass
class Router:
    client: httpx.AsyncClient

    async def post(
        self, query: str = TOP, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def metric(self, name: str, **labels: str) -> float:
        text = (await self.client.get("/metrics")).text
        shown = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        pattern = rf"^{name}\{{{re.escape(shown)}\}} (\S+)$" if labels else rf"^{name} (\S+)$"
        match = re.search(pattern, text, re.M)
        return float(match.group(1)) if match else 0.0


@dataclass
class Stack:
    subgraph: StubSubgraph
    routers: list[Router] = field(default_factory=list)

    @property
    def router(self) -> Router:
        return self.routers[0]


@asynccontextmanager
async def stack(router_yaml: dict[str, Any], routers: int = 1) -> AsyncIterator[Stack]:
    """`routers` router apps with the same router.yaml, all in front of one stub."""
    subgraph = StubSubgraph()
    async with AsyncExitStack() as exits:
        url = await exits.enter_async_context(serve(subgraph.app))
        config: dict[str, Any] = {
            "subgraph_timeout": 60,
            "override_subgraph_url": {
                name: f"{url}/graphql" for name in ("products", "reviews", "accounts")
            },
            **router_yaml,
        }
        built = Stack(subgraph)
        for _ in range(routers):
            # As the router serves (protocol.uvicorn_config): forwarding headers are
            # the router's to read, not uvicorn's.
            router_url = await exits.enter_async_context(
                serve(build_app(SUPERGRAPH_SDL, parse_config(config)), proxy_headers=False)
            )
            client = await exits.enter_async_context(
                httpx.AsyncClient(base_url=router_url, timeout=60)
            )
            built.routers.append(Router(client))
        try:
            yield built
        finally:
            # A failed test must not leave requests held: the servers wait for them.
            if subgraph.gate is not None:
                subgraph.gate.set()


def redis_prefix() -> RedisNamespace:
    """A key prefix of this test's own in the shared Redis, deleted afterwards."""
    return RedisNamespace("rate")
