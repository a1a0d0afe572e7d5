"""Compensation: cancelOrder on a CONFIRMED order gives its stock back (real NATS, both DBs).

CONFIRMED -> CANCELLED with OrderCancelled in one transaction; inventory releases
the reserved units once (a second OrderCancelled for the order changes nothing)
and answers StockReleased. Cancelling any other status is BAD_USER_INPUT with
nothing written; only the owner or scope `orders:write` may cancel.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy import func, select

from events import Streams
from subgraphs._common.event_types import ORDER_CANCELLED, OrderCancelled
from subgraphs._common.seeding import Scale, product_upc
from subgraphs.inventory.models import EVENTS as INVENTORY_EVENTS
from subgraphs.inventory.models import ReservationRow
from subgraphs.orders.models import EVENTS as ORDERS_EVENTS
from subgraphs.orders.models import OrderRow
from subgraphs.orders.schema import ORDERS_STAFF_SCOPE
from tests.events.saga_kit import Side, running, stock_by_product, until
from tests.loaders.backends import Backend

PLACE = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status } }"
CANCEL = "mutation($id: ID!) { cancelOrder(input: {id: $id}) { id status statusReason } }"
ORDER = "query($id: ID!) { order(id: $id) { status statusReason } }"
OWNER = 3


@pytest.fixture
async def saga(backend: Backend, streams: Streams) -> AsyncIterator[dict[str, Side]]:
    async with running(backend, streams, ["orders", "inventory"], Scale(1)) as sides:
        yield sides


async def place(orders: Side, key: str, quantity: int, upc: str = product_upc(1)) -> str:
    variables = {"i": {"idempotencyKey": key, "items": [{"productUpc": upc, "quantity": quantity}]}}
    placed = await orders.data(PLACE, variables, user_id=OWNER)
    order_id: str = placed["placeOrder"]["id"]
    return order_id


async def settled(orders: Side, order_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def done() -> bool:
        found.update((await orders.data(ORDER, {"id": order_id}, user_id=OWNER))["order"])
        return bool(found["status"] != "PENDING")

    await until(done, f"order {order_id} settled")
    return found


async def count(side: Side, column: Any) -> int:
    async with side.database.session() as session:
        number = await session.scalar(select(func.count(column)))
    assert isinstance(number, int)
    return number


async def test_cancelling_a_confirmed_order_releases_its_stock_once(
    saga: dict[str, Side], nc: Client, js: JetStreamContext, streams: Streams
) -> None:
    orders, inventory = saga["orders"], saga["inventory"]
    # Every status change is published on the order's own subject (for subscriptions).
    changes: list[tuple[str, str, int]] = []

    async def heard(message: Msg) -> None:
        payload = json.loads(message.data)["payload"]
        changes.append((message.subject, payload["status"], payload["version"]))

    await nc.subscribe(streams.subject("orders", "OrderStatusChanged") + ".*", cb=heard)
    before = await stock_by_product(inventory.database)
    order_id = await place(orders, "to-cancel", 2)
    assert (await settled(orders, order_id))["status"] == "CONFIRMED"
    upc = product_upc(1)
    assert (await stock_by_product(inventory.database))[upc] == before[upc] - 2

    # Another customer may not cancel it; staff (scope orders:write) and the owner may.
    other = await orders.execute(CANCEL, {"id": order_id}, user_id=OWNER + 1)
    assert other.errors is not None and other.errors[0].extensions == {"code": "FORBIDDEN"}
    cancelled = await orders.data(CANCEL, {"id": order_id}, user_id=OWNER)
    assert cancelled["cancelOrder"]["status"] == "CANCELLED"

    async def released() -> bool:
        return (await stock_by_product(inventory.database))[upc] == before[upc]

    await until(released, "the reserved units are back")
    outbox = INVENTORY_EVENTS.outbox
    async with inventory.database.session() as session:
        types = list(await session.scalars(select(outbox.c.event_type).order_by(outbox.c.seq)))
        open_reservations = await session.scalar(
            select(func.count(ReservationRow.id)).where(ReservationRow.released_at.is_(None))
        )
    assert types == ["StockReserved", "StockReleased"]
    assert open_reservations == 0

    # A second OrderCancelled for the same order (a new event, past the processed-id
    # check) finds nothing left to release: no stock change, no second StockReleased.
    again = ORDER_CANCELLED.create(order_id, OrderCancelled(int(order_id), OWNER))
    await js.publish(streams.subject("orders", "OrderCancelled"), again.encode())
    consumer = next(c for c in inventory.runtime.consumers if c.name == "inventory-orders")
    applied = consumer.stats.applied

    async def applied_once_more() -> bool:
        return consumer.stats.applied > applied

    await until(applied_once_more, "the second OrderCancelled applied")
    assert await stock_by_product(inventory.database) == before
    assert await count(inventory, outbox.c.seq) == 2

    subject = streams.keyed_subject("orders", "OrderStatusChanged", order_id)

    async def all_heard() -> bool:
        return len(changes) >= 3

    await until(all_heard, "three status changes published")
    assert changes == [
        (subject, "PENDING", 1),
        (subject, "CONFIRMED", 2),
        (subject, "CANCELLED", 3),
    ]


@pytest.mark.parametrize("status", ["PENDING", "REJECTED", "CANCELLED", "PLACED"])
async def test_only_a_confirmed_order_can_be_cancelled(saga: dict[str, Side], status: str) -> None:
    orders = saga["orders"]
    order_id = await place(orders, f"not-{status}", 1)
    await settled(orders, order_id)
    async with orders.database.session() as session:  # put it in the status under test
        row = await session.get(OrderRow, int(order_id))
        assert row is not None
        row.status = status
        await session.commit()
    outbox_before = await count(orders, ORDERS_EVENTS.outbox.c.seq)
    refused = await orders.execute(CANCEL, {"id": order_id}, scopes=[ORDERS_STAFF_SCOPE])
    assert refused.data is None
    assert refused.errors is not None and len(refused.errors) == 1
    assert refused.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "id"}
    assert f"is {status}: only a CONFIRMED order" in refused.errors[0].message
    assert await count(orders, ORDERS_EVENTS.outbox.c.seq) == outbox_before
    state = await orders.data(ORDER, {"id": order_id}, user_id=OWNER)
    assert state["order"]["status"] == status


async def test_a_rejected_order_says_why(saga: dict[str, Side]) -> None:
    orders = saga["orders"]
    order_id = await place(orders, "too-many", 100)
    found = await settled(orders, order_id)
    assert found["status"] == "REJECTED"
    assert found["statusReason"].startswith(f"{product_upc(1)}: only ")
    assert found["statusReason"].endswith(" of 100 in stock")
