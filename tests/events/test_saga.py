"""The order saga end to end, in process, over the real JetStream and both databases.

orders and inventory each run their relay and consumers (`EventsRuntime`, as the
subgraph app does when NATS_URL is set) on their own database; many orders are
placed concurrently over few products with limited stock.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from events import Streams
from subgraphs._common.seeding import Scale, product_upc
from subgraphs.inventory.models import ReservationRow, StockRow
from subgraphs.orders.models import OrderItemRow, OrderRow
from tests.events.saga_kit import Side, running, stock_by_product
from tests.loaders.backends import Backend

ORDERS = int(os.environ.get("SAGA_ORDERS", "200"))  # the run: SAGA_ORDERS=1000
SCALE = Scale(2)  # 20 products, 4 warehouses with 0..40 units each
PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }
"""


@pytest.fixture
async def saga(backend: Backend, streams: Streams) -> AsyncIterator[dict[str, Side]]:
    async with running(backend, streams, ["orders", "inventory"], SCALE) as sides:
        yield sides


async def place(orders: Side, user_id: int, key: str, items: list[tuple[str, int]]) -> str:
    data = await orders.data(
        PLACE,
        {
            "input": {
                "idempotencyKey": key,
                "items": [{"productUpc": u, "quantity": q} for u, q in items],
            }
        },
        user_id=user_id,
    )
    order = data["placeOrder"]
    assert order["status"] == "PENDING"
    return str(order["id"])


async def test_many_concurrent_orders_each_end_confirmed_or_rejected_and_stock_adds_up(
    saga: dict[str, Side],
) -> None:
    orders, inventory = saga["orders"].database, saga["inventory"].database
    orders_side = saga["orders"]
    before = await stock_by_product(inventory)
    rng = random.Random(16)
    requests = []
    for i in range(ORDERS):
        products = rng.sample(range(1, SCALE.products + 1), rng.randint(1, 3))
        requests.append(
            (
                rng.randint(1, 20),
                f"saga-{i}",
                [(product_upc(p), rng.randint(1, 5)) for p in products],
            )
        )
    gate = asyncio.Semaphore(8)  # below the pool size: no SERVICE_UNAVAILABLE

    async def one(user_id: int, key: str, items: list[tuple[str, int]]) -> str:
        async with gate:
            return await place(orders_side, user_id, key, items)

    started = time.perf_counter()
    placed = await asyncio.gather(*(one(*request) for request in requests))
    placed_at = time.perf_counter()
    ids = [int(order_id) for order_id in placed]
    assert len(set(ids)) == ORDERS

    async def statuses() -> Counter[str]:
        async with orders.session() as session:
            rows = await session.scalars(select(OrderRow.status).where(OrderRow.id.in_(ids)))
            return Counter(rows)

    for _ in range(1200):  # a deadline against hangs, not a timing assertion
        counts = await statuses()
        if counts["PENDING"] == 0:
            break
        await asyncio.sleep(0.1)
    settled_at = time.perf_counter()
    print(
        f"\nsaga[{orders.config.describe()}]: {ORDERS} orders placed in "
        f"{placed_at - started:.2f}s, all settled {settled_at - started:.2f}s after the first "
        f"({ORDERS / (settled_at - started):.0f} orders/s): {dict(counts)}"
    )
    assert set(counts) <= {"CONFIRMED", "REJECTED"}, counts
    assert counts["CONFIRMED"] > 0 and counts["REJECTED"] > 0  # stock was really limited
    assert sum(counts.values()) == ORDERS

    after = await stock_by_product(inventory)
    async with inventory.session() as session:
        reserved = Counter[str]()
        reserved_orders = set()
        for row in await session.scalars(select(ReservationRow)):
            reserved[row.product_upc] += row.quantity
            reserved_orders.add(row.order_id)
        lowest = await session.scalar(select(func.min(StockRow.quantity)))
    async with orders.session() as session:
        confirmed_items = Counter[str]()
        confirmed = set()
        rows = await session.execute(
            select(OrderItemRow.order_id, OrderItemRow.product_upc, OrderItemRow.quantity)
            .join(OrderRow, OrderRow.id == OrderItemRow.order_id)
            .where(OrderRow.id.in_(ids), OrderRow.status == "CONFIRMED")
        )
        for order_id, upc, quantity in rows:
            confirmed_items[upc] += quantity
            confirmed.add(order_id)
    assert lowest is not None and lowest >= 0
    assert reserved_orders == confirmed  # a reservation exactly for each confirmed order
    for upc in before:
        gone = before[upc] - after[upc]
        assert gone == reserved[upc] == confirmed_items[upc], upc
