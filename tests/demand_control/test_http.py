"""Demand control end to end: the router and two subgraphs on loopback HTTP.

Enforce mode refuses an operation whose estimate is over `max` before any subgraph
request (counted at the subgraphs), measure mode runs it; both export the estimated
and actual costs and the result codes in /metrics.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.http.loopback import serve

from .books import books_supergraph

Answer = Callable[[dict[str, Any]], dict[str, Any]]

BOOK = {
    "__typename": "Book",
    "id": "1",
    "title": "Dune",
    "author": {"name": "Herbert"},
    "publisher": {"name": "Chilton", "address": {"zipCode": 19}},
}


def books_answer(body: dict[str, Any]) -> dict[str, Any]:
    query = body["query"]
    if "newestAdditions" in query:
        # Two books, whatever the limit: the actual cost is measured on these.
        return {"data": {"newestAdditions": [BOOK, {**BOOK, "id": "2"}]}}
    return {"data": {"book": BOOK}}


def reviews_answer(body: dict[str, Any]) -> dict[str, Any]:
    representations = body["variables"]["representations"]
    return {"data": {"_entities": [{"rating": 4.5} for _ in representations]}}


class CountingSubgraph:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests = 0
        self.app = Starlette(routes=[Route("/graphql", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.requests += 1
        return JSONResponse(self.answer(await request.json()))


@dataclass
class Stack:
    client: httpx.AsyncClient
    books: CountingSubgraph
    reviews: CountingSubgraph

    @property
    def subgraph_requests(self) -> int:
        return self.books.requests + self.reviews.requests

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}
        )

    async def metrics(self) -> str:
        return (await self.client.get("/metrics")).text


def metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def start(exits: AsyncExitStack, mode: str) -> Stack:
    books, reviews = CountingSubgraph(books_answer), CountingSubgraph(reviews_answer)
    books_url = await exits.enter_async_context(serve(books.app))
    reviews_url = await exits.enter_async_context(serve(reviews.app))
    sdl = books_supergraph(f"{books_url}/graphql", f"{reviews_url}/graphql")
    config = parse_config(
        {
            "demand_control": {
                "enabled": True,
                "mode": mode,
                "strategy": {"static_estimated": {"list_size": 10, "max": 100}},
            }
        }
    )
    router_url = await exits.enter_async_context(serve(build_app(sdl, config)))
    client = await exits.enter_async_context(httpx.AsyncClient(base_url=router_url, timeout=60))
    return Stack(client, books, reviews)


@pytest.fixture(params=["enforce", "measure"])
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start(exits, request.param)


# 8 per book (Apollo's documented example): 200 books estimate 1,600, over the max of 100.
EXPENSIVE = """query Newest($n: Int!) {
  newestAdditions(limit: $n) { title author { name } publisher { name address { zipCode } } }
}"""
CHEAP = "query Cheap { book(id: 1) { title author { name } } }"


async def test_enforce_refuses_before_any_subgraph_request() -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, "enforce")
        response = await stack.post(EXPENSIVE, {"n": 200})
        assert response.status_code == 200  # a request error, legacy application/json
        body = response.json()
        assert "data" not in body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
        assert error["extensions"]["cost.estimated"] == 1600
        assert error["extensions"]["cost.max"] == 100
        assert stack.subgraph_requests == 0
        strict = await stack.client.post(
            "/graphql",
            json={"query": EXPENSIVE, "variables": {"n": 200}},
            headers={"accept": "application/graphql-response+json"},
        )
        assert strict.status_code == 400
        assert stack.subgraph_requests == 0
        # Within the budget (the same operation, 10 books: 80), it runs.
        within = await stack.post(EXPENSIVE, {"n": 10})
        assert len(within.json()["data"]["newestAdditions"]) == 2
        assert stack.books.requests == 1
        text = await stack.metrics()
        refused = 'router_cost_results_total{result="COST_ESTIMATED_TOO_EXPENSIVE"}'
        assert metric(text, refused) == 2
        assert metric(text, 'router_cost_results_total{result="COST_OK"}') == 1
        assert metric(text, "cost_estimated_count", '{cost_result="COST_OK"}') == 1
        assert metric(text, "cost_estimated_sum", '{cost_result="COST_OK"}') == 80
        # Two books came back: 2 * (1 + 1 + 1 + 5) = 16.
        assert metric(text, "cost_actual_sum") == 16
        assert metric(text, "cost_actual_count") == 1
        # The operation the actual cost walked is kept, in a cache metrics report.
        assert metric(text, 'router_cache_entries{cache="cost_operation"}') == 1


async def test_measure_runs_what_enforce_would_refuse() -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, "measure")
        response = await stack.post(EXPENSIVE, {"n": 200})
        assert response.status_code == 200
        assert len(response.json()["data"]["newestAdditions"]) == 2
        assert "errors" not in response.json()
        assert stack.books.requests == 1
        text = await stack.metrics()
        labels = '{cost_result="COST_ESTIMATED_TOO_EXPENSIVE"}'
        assert metric(text, "cost_estimated_sum", labels) == 1600
        assert metric(text, "cost_actual_sum") == 16
        # actual - estimated
        assert metric(text, "cost_delta_sum") == 16 - 1600


async def test_entity_fetches_count_and_cheap_operations_run(stack: Stack) -> None:
    response = await stack.post(CHEAP)
    assert response.json() == {"data": {"book": {"title": "Dune", "author": {"name": "Herbert"}}}}
    # `_entities` is sized by list_size: books 1 + 10 * (1 + rating 4) = 51, within 100.
    rated = await stack.post("{ book(id: 1) { title rating } }")
    assert rated.json()["data"]["book"]["rating"] == 4.5
    assert (stack.books.requests, stack.reviews.requests) == (2, 1)
    text = await stack.metrics()
    assert metric(text, "cost_estimated_sum", '{cost_result="COST_OK"}') == 2 + 51
