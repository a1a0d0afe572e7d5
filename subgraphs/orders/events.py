"""The orders side of the order saga: inventory's answer settles a PENDING order.

`StockReserved` -> CONFIRMED, `StockRejected` -> REJECTED. Only a PENDING order
changes: an answer for an order in any other state (already settled) is applied
as a no-op, so the handlers are safe even beyond the processed-id check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event, PermanentError
from subgraphs._common.event_types import REGISTRY
from subgraphs._common.eventing import DomainEvents, Subscription
from subgraphs.orders.models import EVENTS, OUTBOX, OrderRow, OrderStatus


async def settle(session: AsyncSession, order_id: int, status: OrderStatus) -> None:
    result = await session.execute(
        update(OrderRow)
        .where(OrderRow.id == order_id, OrderRow.status == OrderStatus.PENDING.value)
        .values(status=status.value)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        exists = await session.get(OrderRow, order_id)
        if exists is None:
            raise PermanentError(f"order {order_id} does not exist")


async def on_stock_reserved(session: AsyncSession, event: Event[Any]) -> None:
    await settle(session, event.payload.order_id, OrderStatus.CONFIRMED)


async def on_stock_rejected(session: AsyncSession, event: Event[Any]) -> None:
    await settle(session, event.payload.order_id, OrderStatus.REJECTED)


DOMAIN_EVENTS = DomainEvents(
    tables=EVENTS,
    outbox=OUTBOX,
    registry=REGISTRY,
    subscriptions=[
        Subscription(
            "orders-stock",
            source="inventory",
            handlers={"StockReserved": on_stock_reserved, "StockRejected": on_stock_rejected},
        )
    ],
)
