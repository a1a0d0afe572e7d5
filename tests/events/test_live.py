"""GraphQL subscriptions of the bundled subgraphs, fed by their domain events.

orders and inventory served by uvicorn on loopback (events on: real JetStream, a
database each, SQLite and PostgreSQL), a `graphql-transport-ws` client over a real
WebSocket: `orderStatusChanged` sends the order's status now, then each change
the saga or a cancellation makes; `stockChanged` the product's stock after each
reservation; the process follows each subject once whatever the number of
clients, lets go of it when they leave, and ends a client that falls behind.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from nats.aio.client import Client
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from events import EventsConfig, Streams
from subgraphs import registry
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.event_types import ORDER_STATUS_CHANGED, REGISTRY, OrderStatusChanged
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.live import SLOW_SUBSCRIBER_MESSAGE, LiveFeed, SlowSubscriber
from subgraphs._common.seeding import Scale, product_upc
from tests.events.conftest import NATS_URL
from tests.events.saga_kit import until
from tests.http.loopback import serve
from tests.loaders.backends import Backend

_runs = iter(range(1, 1_000_000))
USER = "3"

STATUS = """subscription($id: ID!) {
  orderStatusChanged(orderId: $id) { id status statusReason total { amount } items { quantity } }
}"""
STOCK = "subscription($upc: String!) { stockChanged(upc: $upc) { upc quantity } }"
PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }"
CANCEL = "mutation($id: ID!) { cancelOrder(input: {id: $id}) { status } }"


class Stack:
    def __init__(self, apps: dict[str, Starlette], urls: dict[str, str]) -> None:
        self.apps = apps
        self.urls = urls

    async def post(self, name: str, query: str, **variables: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.post(
                f"{self.urls[name]}/graphql",
                json={"query": query, "variables": variables},
                headers={"x-user-id": USER},
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def place(self, upc: str, quantity: int) -> str:
        items = [{"productUpc": upc, "quantity": quantity}]
        key = secrets.token_hex(6)
        data = await self.post("orders", PLACE, input={"idempotencyKey": key, "items": items})
        return str(data["placeOrder"]["id"])

    def feed(self, name: str) -> LiveFeed:
        feed = self.apps[name].state.events.feed
        assert isinstance(feed, LiveFeed)
        return feed


@asynccontextmanager
async def stack_of(
    backend: Backend, streams: Streams | None, names: tuple[str, ...] = ("orders", "inventory")
) -> AsyncIterator[Stack]:
    run = next(_runs)
    apps: dict[str, Starlette] = {}
    urls: dict[str, str] = {}
    async with AsyncExitStack() as exits:
        for name in names:
            app = create_subgraph_app(
                registry.get(name).load(),
                backend.config(f"live_{name}_{run}"),
                seed_scale=Scale(1),
                identity=SubgraphIdentity(None),
                events=None if streams is None else EventsConfig((NATS_URL,), streams),
            )
            apps[name] = app
            urls[name] = await exits.enter_async_context(serve(app))
        yield Stack(apps, urls)


@pytest.fixture
async def stack(backend: Backend, streams: Streams) -> AsyncIterator[Stack]:
    async with stack_of(backend, streams) as running:
        yield running


class Subscriber:
    """One graphql-transport-ws connection (the `graphql-ws` library's protocol)."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._ids = iter(range(1, 1_000_000))

    async def subscribe(self, query: str, **variables: Any) -> str:
        operation = str(next(self._ids))
        payload = {"query": query, "variables": variables}
        await self.socket.send(
            json.dumps({"id": operation, "type": "subscribe", "payload": payload})
        )
        return operation

    async def message(self) -> dict[str, Any]:
        """The next message that is not a keep-alive (a deadline against hangs only)."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), 60))
            if message["type"] not in ("ping", "pong"):
                return message

    async def data(self) -> dict[str, Any]:
        message = await self.message()
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data


@asynccontextmanager
async def subscriber(url: str, user: str | None = USER) -> AsyncIterator[Subscriber]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    headers = {"x-user-id": user} if user is not None else {}
    async with connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        additional_headers=headers,  # type: ignore[list-item]
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 60))
        assert ack["type"] == "connection_ack", ack
        yield Subscriber(socket)


async def test_order_status_now_then_each_change(stack: Stack) -> None:
    upc = product_upc(1)
    order = await stack.place(upc, 1)
    async with subscriber(stack.urls["orders"]) as client:
        await client.subscribe(STATUS, id=order)
        first = (await client.data())["orderStatusChanged"]
        assert first["id"] == order and first["items"] == [{"quantity": 1}]
        statuses = [first["status"]]
        # The saga may have settled it before the subscription started: then the
        # first message already says so, and no change is sent twice.
        while statuses[-1] == "PENDING":
            statuses.append((await client.data())["orderStatusChanged"]["status"])
        assert statuses in (["PENDING", "CONFIRMED"], ["CONFIRMED"])
        await stack.post("orders", CANCEL, id=order)
        cancelled = (await client.data())["orderStatusChanged"]
        assert cancelled["status"] == "CANCELLED" and cancelled["total"] == first["total"]
        feed = stack.feed("orders")
        assert feed.followers == 1 and feed.nats_subscriptions == 1
    # The client left: its follower and the NATS subscription go (no leak).
    await until(
        lambda: _true(feed.followers == 0 and feed.nats_subscriptions == 0), "the follower to go"
    )


async def _true(value: bool) -> bool:
    return value


async def test_many_clients_of_one_order_share_one_nats_subscription(stack: Stack) -> None:
    order = await stack.place(product_upc(2), 1)
    async with AsyncExitStack() as exits:
        clients = [
            await exits.enter_async_context(subscriber(stack.urls["orders"])) for _ in range(5)
        ]
        for client in clients:
            await client.subscribe(STATUS, id=order)
            await client.data()
        feed = stack.feed("orders")
        assert feed.followers == 5 and feed.nats_subscriptions == 1


async def test_another_users_order_is_forbidden(stack: Stack) -> None:
    order = await stack.place(product_upc(1), 1)
    async with subscriber(stack.urls["orders"], user="4") as client:
        await client.subscribe(STATUS, id=order)
        message = await client.message()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["FORBIDDEN"]
    feed = stack.feed("orders")
    await until(lambda: _true(feed.followers == 0), "the refused follower to go")


async def test_stock_now_then_after_each_reservation(stack: Stack) -> None:
    upc = product_upc(3)
    async with subscriber(stack.urls["inventory"]) as client:
        await client.subscribe(STOCK, upc=upc)
        before = (await client.data())["stockChanged"]["quantity"]
        await stack.place(upc, 2)
        after = (await client.data())["stockChanged"]
    assert after == {"upc": upc, "quantity": before - 2}


async def test_without_the_events_broker_a_subscription_is_a_coded_error(backend: Backend) -> None:
    async with stack_of(backend, None, ("orders",)) as plain:
        order = await plain.place(product_upc(1), 1)
        async with subscriber(plain.urls["orders"]) as client:
            await client.subscribe(STATUS, id=order)
            message = await client.message()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["SERVICE_UNAVAILABLE"]


async def test_a_follower_that_falls_behind_is_ended_and_memory_stays_bounded(
    nc: Client, streams: Streams
) -> None:
    feed = LiveFeed(nc, REGISTRY, max_buffered=3)
    subject = streams.keyed_subject("orders", "OrderStatusChanged", "7")
    async with feed.follow([subject], lambda e: [str(e.payload.order_id)], "7") as events:
        for version in range(1, 11):
            event = ORDER_STATUS_CHANGED.create(
                7, OrderStatusChanged(7, 3, "PENDING", version, None)
            )
            await nc.publish(subject, event.encode())
        await nc.flush()
        await until(lambda: _true(feed.ended_slow == 1), "the follower to overflow")
        received = []
        with pytest.raises(SlowSubscriber, match="fell too far behind"):
            async for event in events:
                received.append(event.payload.version)
    assert received == [1, 2, 3]  # what the bounded queue held, then the end
    assert feed.delivered == 3 and feed.followers == 0 and feed.nats_subscriptions == 0
    assert SLOW_SUBSCRIBER_MESSAGE.startswith("The subscription fell too far behind")
