"""The data layer of the subgraph apps under cancellation, disconnects and overload.

Each test serves a real subgraph app (as `subgraphs serve` builds it) over its own
freshly seeded database, on SQLite and PostgreSQL, and checks SQLAlchemy's own pool
accounting: when every request is over, no connection is checked out.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from itertools import count
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from subgraphs import registry
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.context import USER_ID_HEADER
from subgraphs._common.database import Database
from subgraphs._common.errors import SERVICE_UNAVAILABLE
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.schema import UNAVAILABLE_MESSAGE
from subgraphs._common.seeding import Scale
from tests.e2e.system import free_port
from tests.loaders.backends import Backend

BAD_CURSOR_QUERY = """{
  categories { products { pageInfo { hasPreviousPage } } }
  category(slug: "outdoors") {
    a: products(after: "Compact Tent 6") { edges { cursor } }
    products { pageInfo { hasNextPage } }
  }
}"""

# A mix of what clients send: nested loaders at several levels, `_entities`, fields
# that fail (which makes graphql-core cancel their siblings), and mutations.
OPERATIONS: dict[str, list[str]] = {
    "products": [
        BAD_CURSOR_QUERY,
        "{ categories { slug products(first: 5) { edges { node { name category { name } } } } } }",
        "{ products(first: 50) { edges { node { upc name price { amount } category { slug } } } } }",
        '{ search(text: "a", first: 20) { __typename ... on Product { name } } }',
        '{ products(after: "bogus") { edges { cursor } } categories { name } }',
        '{ product(upc: "000000000003") { name category { products(first: 3) '
        "{ edges { node { name } } } } } }",
        '{ _entities(representations: [{__typename: "Product", upc: "000000000001"}, '
        '{__typename: "Product", id: 2}, {__typename: "Category", slug: "toys"}]) '
        "{ ... on Product { name category { name } } "
        '... on Category { products(first: 2, after: "x") { edges { cursor } } } } }',
    ],
    "reviews": [
        "{ latestReviews(first: 20) { id body author { id } product { upc reviews(first: 2) "
        "{ rating } averageRating } } }",
        '{ _entities(representations: [{__typename: "Product", upc: "000000000002"}, '
        '{__typename: "User", id: "3"}]) { ... on Product { reviews { body } averageRating } '
        "... on User { reviews(first: 3) { product { upc } } } } }",
        'mutation { createReview(input: {productUpc: "000000000002", rating: 4, body: "Nice."}) '
        "{ id } }",
        'mutation { createReview(input: {productUpc: "999999999998", rating: 4, body: "No."}) '
        "{ id } }",
        '{ review(id: "nope") { id } latestReviews(first: 3) { id } }',
    ],
}
ROUNDS = 40
_labels = count(1)


@dataclass
class Served:
    """A subgraph app over its own database, and an in-process client of it."""

    app: Starlette
    database: Database
    client: httpx.AsyncClient

    async def post(self, query: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        return await self.client.post("/graphql", json={"query": query}, headers=headers)


@asynccontextmanager
async def serving(backend: Backend, name: str, **pool: Any) -> AsyncIterator[Served]:
    """`name`'s app (migrated and seeded at scale 1 by its lifespan), with `pool` overrides."""
    config = replace(backend.config(f"dl_{name}_{next(_labels)}"), **pool)
    app = create_subgraph_app(
        registry.get(name).load(), config, seed_scale=Scale(1), identity=SubgraphIdentity(None)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as client:
            yield Served(app, app.state.database, client)


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that would page somebody: errors, and SQLAlchemy's GC clean-ups."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR or "garbage collector" in record.getMessage()
    ]


@pytest.mark.filterwarnings(
    # graphql-core creates some field coroutines before it awaits them; a request
    # cancelled in between drops them unstarted (asyncio warns when they are collected).
    "ignore:coroutine .* was never awaited:RuntimeWarning"
)
@pytest.mark.parametrize("name", ["products", "reviews"])
async def test_requests_cancelled_at_random_points_leave_no_connection_checked_out(
    backend: Backend, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Tasks running requests are cancelled mid-query (a server giving up on them)."""
    rng = random.Random(name)
    outcomes: Counter[object] = Counter()
    async with serving(backend, name) as served:
        for _ in range(ROUNDS):
            tasks = [
                asyncio.create_task(
                    served.post(rng.choice(OPERATIONS[name]), {USER_ID_HEADER: "7"})
                )
                for _ in range(4)
            ]
            for _ in range(rng.randrange(40)):  # a random point: some event-loop turns ...
                await asyncio.sleep(0)
            if rng.random() < 0.5:  # ... and sometimes a moment of I/O
                await asyncio.sleep(rng.uniform(0, 0.01))
            for task in tasks[:3]:
                task.cancel()
            for task in tasks:
                try:
                    outcomes[(await task).status_code] += 1
                except asyncio.CancelledError:
                    outcomes["cancelled"] += 1
            assert served.database.checked_out == 0, outcomes
        assert outcomes["cancelled"] > 0 and outcomes[200] > 0, outcomes
        assert set(outcomes) == {200, "cancelled"}, outcomes  # never a 500
        response = await served.post(OPERATIONS[name][0], {USER_ID_HEADER: "7"})
        assert response.status_code == 200
        assert response.json()["data"] is not None
    gc.collect()  # a connection nobody returned would be reported now
    assert _problems(caplog) == []


async def test_clients_that_disconnect_leave_no_connection_checked_out(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """Real HTTP: clients give up at random points, before or after sending their body."""
    port = free_port()
    rng = random.Random(1)
    async with serving(backend, "products") as served:
        server = uvicorn.Server(
            uvicorn.Config(
                served.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
            )
        )
        serve = asyncio.create_task(server.serve())
        try:
            for _ in range(1000):
                if server.started:
                    break
                await asyncio.sleep(0.01)
            url = f"http://127.0.0.1:{port}/graphql"
            gave_up = 0
            async with httpx.AsyncClient() as client:
                for _ in range(60):
                    request = client.post(url, json={"query": rng.choice(OPERATIONS["products"])})
                    try:
                        response = await asyncio.wait_for(request, rng.uniform(0.0005, 0.02))
                        assert response.status_code == 200
                    except (TimeoutError, httpx.TransportError):
                        gave_up += 1
            assert gave_up > 0
            for _ in range(500):  # the server finishes what the clients abandoned
                if served.database.checked_out == 0:
                    break
                await asyncio.sleep(0.01)
            assert served.database.checked_out == 0
            async with httpx.AsyncClient() as client:
                answer = await client.post(url, json={"query": "{ categories { slug } }"})
            assert answer.status_code == 200 and len(answer.json()["data"]["categories"]) == 8
        finally:
            server.should_exit = True
            await serve
    assert _problems(caplog) == []


async def test_an_exhausted_pool_answers_with_a_code_at_once(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """Every connection held elsewhere: requests fail with SERVICE_UNAVAILABLE, not a stall."""
    caplog.set_level(logging.INFO, logger="subgraphs.errors")
    async with serving(
        backend, "products", pool_size=2, max_overflow=0, pool_timeout=0.2
    ) as served:
        engine = served.database.engine
        held = [await engine.connect(), await engine.connect()]
        assert served.database.checked_out == 2
        statements = served.database.counter.count
        try:
            responses = await asyncio.gather(
                *(
                    served.post("{ categories { slug products(first: 2) { edges { cursor } } } }")
                    for _ in range(5)
                )
            )
        finally:
            for connection in held:
                await connection.close()
        for response in responses:
            assert response.status_code == 200
            body = response.json()
            assert body["data"] is None  # `categories` is non-null
            assert body["errors"] == [
                {
                    "message": UNAVAILABLE_MESSAGE,
                    "locations": [{"line": 1, "column": 3}],
                    "path": ["categories"],
                    "extensions": {"code": SERVICE_UNAVAILABLE},
                }
            ]
        assert served.database.counter.count == statements  # nothing reached the database
        assert served.database.checked_out == 0
        answer = await served.post("{ categories { slug } }")
        assert answer.status_code == 200 and len(answer.json()["data"]["categories"]) == 8
    warnings = [r for r in caplog.records if r.name == "subgraphs.errors"]
    assert len(warnings) == 5
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in warnings)
    assert all(SERVICE_UNAVAILABLE in r.getMessage() for r in warnings)


async def test_an_invalid_cursor_fails_only_its_field(backend: Backend) -> None:
    """Was an HTTP 500 (`CancelledError`) three times out of three."""
    async with serving(backend, "products") as served:
        for _ in range(3):
            response = await served.post(BAD_CURSOR_QUERY)
            assert response.status_code == 200
            body = response.json()
            assert body["errors"] == [
                {
                    "message": "`after` is not a valid cursor: 'Compact Tent 6'",
                    "locations": [{"line": 4, "column": 5}],
                    "path": ["category", "a"],
                    "extensions": {"code": "BAD_USER_INPUT", "argumentName": "after"},
                }
            ]
            # `a` is non-null, so `category` is null (GraphQL null propagation); the
            # rest of the query answers.
            assert body["data"]["category"] is None
            assert (
                body["data"]["categories"]
                == [{"products": {"pageInfo": {"hasPreviousPage": False}}}] * 8
            )
        assert served.database.checked_out == 0
