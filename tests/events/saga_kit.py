"""Running domains with their events in process, for the saga tests.

`running(backend, streams, names, scale)` migrates and seeds one database per
domain, starts its `EventsRuntime` (relay and consumers, as the subgraph app does
when NATS_URL is set) and yields the `Side`s; `Side.execute` runs an operation
with events on, as a signed-in user (optionally with scopes).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select
from strawberry.types import ExecutionResult

from auth import Claims
from events import EventsConfig, Streams
from subgraphs import registry
from subgraphs._common.context import SubgraphContext
from subgraphs._common.database import Database
from subgraphs._common.domain import Domain
from subgraphs._common.eventing import EventsRuntime
from subgraphs._common.seeding import Scale, product_upc
from subgraphs.inventory.models import ReservationRow, StockRow
from subgraphs.orders.models import OrderItemRow, OrderRow
from tests.events.conftest import NATS_URL
from tests.loaders.backends import Backend

_runs = itertools.count(1)


class Side:
    """One domain of the saga: its database and its events runtime."""

    def __init__(self, domain: Domain, database: Database, runtime: EventsRuntime) -> None:
        self.domain = domain
        self.database = database
        self.runtime = runtime

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user_id: int | None = None,
        scopes: Sequence[str] = (),
    ) -> ExecutionResult:
        async with self.database.request_session() as db:
            subject = None if user_id is None else str(user_id)
            claims = Claims(subject=subject, scopes=frozenset(scopes)) if scopes else None
            context = SubgraphContext.create(db, user_id=user_id, claims=claims)
            context.events_enabled = True
            return await self.domain.schema.execute(
                query, variable_values=variables, context_value=context
            )

    async def data(self, query: str, variables: dict[str, Any] | None = None, **who: Any) -> Any:
        result = await self.execute(query, variables, **who)
        assert result.errors is None, result.errors
        return result.data


@asynccontextmanager
async def running(
    backend: Backend,
    streams: Streams,
    names: Sequence[str],
    scale: Scale,
    *,
    nats_url: str = NATS_URL,
) -> AsyncIterator[dict[str, Side]]:
    config = EventsConfig(servers=(nats_url,), streams=streams)
    sides: dict[str, Side] = {}
    run = next(_runs)
    try:
        for name in names:
            domain = registry.get(name).load()
            database = Database(name, backend.config(f"saga_{name}_{run}"))
            await database.prepare(domain, seed_scale=scale)
            assert domain.events is not None
            runtime = EventsRuntime(name, domain.events, config, database.engine)
            sides[name] = Side(domain, database, runtime)
            await runtime.start()
        yield sides
    finally:
        for side in sides.values():
            await side.runtime.stop()
            await side.database.dispose()


async def until(condition: Callable[[], Awaitable[bool]], what: str, *, tries: int = 1200) -> None:
    """Wait for `condition` (a deadline against hangs, not a timing assertion)."""
    for _ in range(tries):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def stock_by_product(inventory: Database) -> dict[str, int]:
    async with inventory.session() as session:
        rows = await session.execute(
            select(StockRow.product_upc, func.sum(StockRow.quantity)).group_by(StockRow.product_upc)
        )
        return {upc: int(total) for upc, total in rows}


PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }"
Request = tuple[int, str, list[tuple[str, int]]]


def order_requests(count: int, scale: Scale, seed: int = 16) -> list[Request]:
    """`count` orders of 1-3 products (1-5 units each) from random users: (user, key, items)."""
    rng = random.Random(seed)
    requests = []
    for i in range(count):
        products = rng.sample(range(1, scale.products + 1), rng.randint(1, 3))
        items = [(product_upc(p), rng.randint(1, 5)) for p in products]
        requests.append((rng.randint(1, 20), f"saga-{seed}-{i}", items))
    return requests


async def place(orders: Side, user_id: int, key: str, items: list[tuple[str, int]]) -> int:
    variables = {
        "input": {
            "idempotencyKey": key,
            "items": [{"productUpc": u, "quantity": q} for u, q in items],
        }
    }
    order = (await orders.data(PLACE, variables, user_id=user_id))["placeOrder"]
    assert order["status"] == "PENDING"
    return int(order["id"])


async def place_all(orders: Side, requests: Sequence[Request], concurrency: int = 8) -> list[int]:
    gate = asyncio.Semaphore(concurrency)  # below the pool size: no SERVICE_UNAVAILABLE

    async def one(request: Request) -> int:
        async with gate:
            return await place(orders, *request)

    ids = await asyncio.gather(*(one(request) for request in requests))
    assert len(set(ids)) == len(requests)
    return list(ids)


async def settled_statuses(orders: Database, ids: Sequence[int], tries: int = 3000) -> Counter[str]:
    """The orders' statuses once none is PENDING (a deadline against hangs)."""
    counts: Counter[str] = Counter()
    for _ in range(tries):
        async with orders.session() as session:
            counts = Counter(
                await session.scalars(select(OrderRow.status).where(OrderRow.id.in_(ids)))
            )
        if counts["PENDING"] == 0:
            return counts
        await asyncio.sleep(0.1)
    raise AssertionError(f"orders still PENDING: {dict(counts)}")


async def check_stock_adds_up(
    orders: Database, inventory: Database, ids: Sequence[int], before: dict[str, int]
) -> None:
    """Stock gone == units reserved == units of CONFIRMED orders, per product; none below 0."""
    after = await stock_by_product(inventory)
    async with inventory.session() as session:
        reserved = Counter[str]()
        reserved_orders = set()
        for row in await session.scalars(
            select(ReservationRow).where(ReservationRow.released_at.is_(None))
        ):
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
