"""In-flight de-duplication end to end: router and gated subgraphs on loopback.

Each subgraph holds every request until the test opens its gate, so "N identical
operations at once" is exact: the test waits until the router has joined N-1 of
them to the first (its metrics say so), or until N requests reached the
subgraph, and only then lets the answers go. Counting assertions only.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import serve

N = 5
GUARD = 20.0
"""Seconds before a wait that should end at once fails the test instead of hanging it."""

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class GatedSubgraph:
    """Records every request, holds it until `gate` is set, then answers with `answer`."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.gate = asyncio.Event()
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrived = asyncio.Condition()
        self.app = Starlette(routes=[Route("/graphql", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        async with self.arrived:
            self.arrived.notify_all()
        await self.gate.wait()
        status, answer = self.answer(body)
        return Response(orjson.dumps(answer), status, media_type="application/json")

    async def until_received(self, count: int) -> None:
        async with asyncio.timeout(GUARD), self.arrived:
            await self.arrived.wait_for(lambda: len(self.bodies) >= count)


def products_answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    product = {"upc": "1", "name": "Table", "__typename": "Product"}
    if "addProduct" in body["query"]:
        return 200, {"data": {"addProduct": product}}
    first = body.get("variables", {}).get("n", 1)
    return 200, {"data": {"topProducts": [product] * first}}


def reviews_answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    count = len(body["variables"]["representations"])
    return 200, {"data": {"_entities": [{"reviews": [{"body": "good"}]}] * count}}


def accounts_answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, {"data": {"me": {"id": "1", "username": "ada"}}}


@dataclass
class Stack:
    client: httpx.AsyncClient
    products: GatedSubgraph
    reviews: GatedSubgraph
    accounts: GatedSubgraph

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> Any:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def metric(self, name: str, subgraph: str) -> float:
        text = (await self.client.get("/metrics")).text
        match = re.search(rf'^{name}\{{subgraph="{subgraph}"\}} (\S+)$', text, re.M)
        return float(match.group(1)) if match else 0.0

    async def until_deduplicated(self, subgraph: str, count: int) -> None:
        name = "router_subgraph_deduplicated_requests_total"
        async with asyncio.timeout(GUARD):
            while True:
                if await self.metric(name, subgraph) >= count:
                    return
                await asyncio.sleep(0.005)

    def open(self) -> None:
        for subgraph in (self.products, self.reviews, self.accounts):
            subgraph.gate.set()


async def start(exits: AsyncExitStack, router_yaml: dict[str, Any]) -> Stack:
    subgraphs = {
        "products": GatedSubgraph(products_answer),
        "reviews": GatedSubgraph(reviews_answer),
        "accounts": GatedSubgraph(accounts_answer),
    }
    config: dict[str, Any] = {"subgraph_timeout": 60, "subgraphs": {}, **router_yaml}
    for name, subgraph in subgraphs.items():
        url = await exits.enter_async_context(serve(subgraph.app))
        config["subgraphs"].setdefault(name, {})["url"] = f"{url}/graphql"
    router_url = await exits.enter_async_context(
        serve(build_app(SUPERGRAPH_SDL, parse_config(config)))
    )
    client = await exits.enter_async_context(httpx.AsyncClient(base_url=router_url, timeout=60))
    stack = Stack(client, subgraphs["products"], subgraphs["reviews"], subgraphs["accounts"])
    # A failed test must not leave requests held: the servers wait for them to stop.
    exits.callback(stack.open)
    return stack


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start(exits, {"headers": {"all": [{"propagate": {"named": "authorization"}}]}})


TOP = "query Top($n: Int) { topProducts(first: $n) { upc name } }"
JOIN = "query Join($n: Int) { topProducts(first: $n) { upc reviews { body } } }"


async def test_identical_concurrent_operations_send_one_subgraph_request(stack: Stack) -> None:
    calls = [asyncio.create_task(stack.post(TOP, {"n": 2})) for _ in range(N)]
    await stack.until_deduplicated("products", N - 1)
    stack.open()
    results = await asyncio.gather(*calls)
    expected = {"data": {"topProducts": [{"upc": "1", "name": "Table"}] * 2}}
    assert results == [expected] * N
    assert len(stack.products.bodies) == 1
    # router_subgraph_requests_total still counts HTTP requests actually sent.
    assert await stack.metric("router_subgraph_requests_total", "products") == 1
    assert await stack.metric("router_subgraph_deduplicated_requests_total", "products") == N - 1


async def test_entity_fetches_are_shared_and_each_client_gets_its_own_tree(stack: Stack) -> None:
    calls = [asyncio.create_task(stack.post(JOIN, {"n": 2})) for _ in range(N)]
    await stack.until_deduplicated("products", N - 1)
    stack.products.gate.set()
    await stack.until_deduplicated("reviews", N - 1)
    stack.reviews.gate.set()
    results = await asyncio.gather(*calls)
    product = {"upc": "1", "reviews": [{"body": "good"}]}
    assert results == [{"data": {"topProducts": [product, product]}}] * N
    assert (len(stack.products.bodies), len(stack.reviews.bodies)) == (1, 1)


async def test_different_variables_are_not_shared(stack: Stack) -> None:
    calls = [asyncio.create_task(stack.post(TOP, {"n": n})) for n in range(1, N + 1)]
    await stack.products.until_received(N)
    stack.open()
    results = await asyncio.gather(*calls)
    assert [len(r["data"]["topProducts"]) for r in results] == list(range(1, N + 1))
    assert sorted(b["variables"]["n"] for b in stack.products.bodies) == list(range(1, N + 1))
    assert await stack.metric("router_subgraph_deduplicated_requests_total", "products") == 0


async def test_different_forwarded_authorization_is_not_shared(stack: Stack) -> None:
    calls = [
        asyncio.create_task(stack.post(TOP, {"n": 1}, authorization=f"Bearer user-{i % 2}"))
        for i in range(N)
    ]
    # Two callers: two requests, each shared by the calls with the same header.
    await stack.products.until_received(2)
    await stack.until_deduplicated("products", N - 2)
    stack.open()
    await asyncio.gather(*calls)
    sent = sorted(h["authorization"] for h in stack.products.headers)
    assert sent == ["Bearer user-0", "Bearer user-1"]


async def test_mutations_and_their_entity_fetches_are_never_shared(stack: Stack) -> None:
    mutation = 'mutation { addProduct(name: "x") { upc name reviews { body } } }'
    calls = [asyncio.create_task(stack.post(mutation)) for _ in range(N)]
    await stack.products.until_received(N)
    stack.products.gate.set()
    # The entity fetches after the mutation field are queries, identical, and concurrent.
    await stack.reviews.until_received(N)
    stack.reviews.gate.set()
    results = await asyncio.gather(*calls)
    product = {"upc": "1", "name": "Table", "reviews": [{"body": "good"}]}
    assert results == [{"data": {"addProduct": product}}] * N
    assert await stack.metric("router_subgraph_deduplicated_requests_total", "reviews") == 0


async def test_a_subgraph_error_reaches_every_waiter() -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, {})
        stack.products.answer = lambda body: (500, {"oops": True})
        calls = [asyncio.create_task(stack.post(TOP, {"n": 1})) for _ in range(N)]
        await stack.until_deduplicated("products", N - 1)
        stack.open()
        results = await asyncio.gather(*calls)
        assert len(stack.products.bodies) == 1
        for result in results:
            assert result["data"] == {"topProducts": None}
            assert [e["extensions"]["code"] for e in result["errors"]] == ["SUBREQUEST_HTTP_ERROR"]


@pytest.mark.parametrize(
    "router_yaml",
    [
        {"traffic_shaping": {"deduplicate_query": False}},
        {"subgraphs": {"products": {"deduplicate_query": False}}},
    ],
    ids=["globally", "per-subgraph"],
)
async def test_deduplication_off_sends_every_request(router_yaml: dict[str, Any]) -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, router_yaml)
        calls = [asyncio.create_task(stack.post(TOP, {"n": 1})) for _ in range(N)]
        await stack.products.until_received(N)
        stack.open()
        results = await asyncio.gather(*calls)
        assert all(r["data"]["topProducts"] == [{"upc": "1", "name": "Table"}] for r in results)
        assert await stack.metric("router_subgraph_requests_total", "products") == N
