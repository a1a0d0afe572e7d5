"""The order saga end to end, in process, over the real JetStream and both databases.

orders and inventory each run their relay and consumers (`EventsRuntime`, as the
subgraph app does when NATS_URL is set) on their own database; many orders are
placed concurrently over few products with limited stock.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import pytest

from events import Streams
from subgraphs._common.seeding import Scale
from tests.events.saga_kit import (
    Side,
    check_stock_adds_up,
    order_requests,
    place_all,
    running,
    settled_statuses,
    stock_by_product,
)
from tests.loaders.backends import Backend

ORDERS = int(os.environ.get("SAGA_ORDERS", "200"))  # the run: SAGA_ORDERS=1000
SCALE = Scale(2)  # 20 products, 4 warehouses with 0..40 units each


@pytest.fixture
async def saga(backend: Backend, streams: Streams) -> AsyncIterator[dict[str, Side]]:
    async with running(backend, streams, ["orders", "inventory"], SCALE) as sides:
        yield sides


async def test_many_concurrent_orders_each_end_confirmed_or_rejected_and_stock_adds_up(
    saga: dict[str, Side],
) -> None:
    orders, inventory = saga["orders"].database, saga["inventory"].database
    before = await stock_by_product(inventory)
    started = time.perf_counter()
    ids = await place_all(saga["orders"], order_requests(ORDERS, SCALE))
    placed_at = time.perf_counter()
    counts = await settled_statuses(orders, ids)
    settled_at = time.perf_counter()
    print(
        f"\nsaga[{orders.config.describe()}]: {ORDERS} orders placed in "
        f"{placed_at - started:.2f}s, all settled {settled_at - started:.2f}s after the first "
        f"({ORDERS / (settled_at - started):.0f} orders/s): {dict(counts)}"
    )
    assert set(counts) <= {"CONFIRMED", "REJECTED"}, counts
    assert counts["CONFIRMED"] > 0 and counts["REJECTED"] > 0  # stock was really limited
    assert sum(counts.values()) == ORDERS
    await check_stock_adds_up(orders, inventory, ids, before)
