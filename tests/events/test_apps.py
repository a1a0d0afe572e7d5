"""The subgraph apps run their relay and consumers in their lifespan when events are on.

orders and inventory served in process (their ASGI apps, real JetStream, both
databases): a placeOrder over HTTP is PENDING, then CONFIRMED or REJECTED, and
inventory's `quantity` shows the reserved units gone. Without an events config the
apps run nothing (the rest of the test suite: placeOrder answers PLACED).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from events import EventsConfig, Streams
from subgraphs import registry
from subgraphs.__main__ import dead_letters
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.seeding import Scale, product_upc
from tests.events.conftest import NATS_URL
from tests.events.saga_kit import until
from tests.loaders.backends import Backend

_ids = iter(range(1, 1_000_000))


@pytest.fixture
async def clients(
    backend: Backend, streams: Streams
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    run = next(_ids)
    async with AsyncExitStack() as stack:
        found = {}
        for name in ("orders", "inventory"):
            app = create_subgraph_app(
                registry.get(name).load(),
                backend.config(f"apps_{name}_{run}"),
                seed_scale=Scale(1),
                identity=SubgraphIdentity(None),
                events=EventsConfig(servers=(NATS_URL,), streams=streams),
            )
            await stack.enter_async_context(app.router.lifespan_context(app))
            assert app.state.events is not None
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://subgraph"
            )
            found[name] = await stack.enter_async_context(client)
        yield found


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"x-user-id": "3"}
    )
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


QUANTITY = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { quantity } } }"


async def test_place_order_over_http_settles_through_the_saga(
    clients: dict[str, httpx.AsyncClient],
) -> None:
    orders, inventory = clients["orders"], clients["inventory"]
    upc = product_upc(1)
    rep = [{"__typename": "Product", "upc": upc}]
    [before] = (await graphql(inventory, QUANTITY, r=rep))["_entities"]
    results = {}
    for key, quantity in [("fits", 1), ("too-many", 100)]:
        placed = await graphql(
            orders,
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }",
            i={"idempotencyKey": key, "items": [{"productUpc": upc, "quantity": quantity}]},
        )
        assert placed["placeOrder"]["status"] == "PENDING"
        order_id = placed["placeOrder"]["id"]
        for _ in range(600):  # a deadline against hangs
            status = (
                await graphql(orders, "query($id: ID!) { order(id: $id) { status } }", id=order_id)
            )["order"]["status"]
            if status != "PENDING":
                break
            await asyncio.sleep(0.05)
        results[key] = status
    assert before["quantity"] >= 1  # seeded: product 1 is carried
    assert results == {"fits": "CONFIRMED", "too-many": "REJECTED"}
    [after] = (await graphql(inventory, QUANTITY, r=rep))["_entities"]
    assert after["quantity"] == before["quantity"] - 1


async def test_a_dead_letter_shows_in_metrics_and_in_the_cli(
    clients: dict[str, httpx.AsyncClient],
    streams: Streams,
    js: JetStreamContext,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = clients["orders"]
    metric = 'subgraph_events_dead_letters_total{consumer="orders-stock"}'
    assert f"{metric} 0.0" in (await orders.get("/metrics")).text
    # Not an event envelope: orders-stock gives up at once, with the reason.
    await js.publish(streams.subject("inventory", "StockReserved"), b"{not json")

    async def counted() -> bool:
        return f"{metric} 1.0" in (await orders.get("/metrics")).text

    await until(counted, "the dead letter counted")
    monkeypatch.setenv("NATS_URL", NATS_URL)
    monkeypatch.setenv("EVENTS_SUBJECT_PREFIX", streams.prefix)
    capsys.readouterr()
    assert await dead_letters("orders-stock", 10) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "1 dead letter(s) of orders-stock"
    assert f"orders-stock ? ? on {streams.subject('inventory', 'StockReserved')}" in printed[0]
    assert printed[0].endswith(
        "after 1 attempt(s): not a JSON event envelope: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert await dead_letters("inventory-orders", 10) == 0
    assert capsys.readouterr().out.strip() == "0 dead letter(s) of inventory-orders"
