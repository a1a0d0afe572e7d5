"""The inventory side of the order saga: reserve an order's items, all or nothing.

On `OrderPlaced`, in the consumer's transaction (with the processed-id record):
lock the stock rows of the order's products (PostgreSQL `FOR UPDATE`, in one fixed
order so that two reservations cannot deadlock; SQLite holds its single write lock
from the consumer's first insert), then

- every item has enough units over all warehouses: take them warehouse by warehouse
  (lowest id first), write a reservation row per (warehouse, product), record
  `StockReserved` with where the units came from;
- otherwise: change nothing and record `StockRejected` with the reason per short item.

No stock row can go below zero: units are taken only from what the locked rows hold.

On `OrderCancelled` (compensation): the order's unreleased reservations go back to
the warehouses they came from, are marked released, and `StockReleased` says so.
An order with nothing unreleased (rejected, or released before) changes nothing
and records nothing: releasing is idempotent on its own, beyond the processed-id
check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from subgraphs._common.event_types import (
    REGISTRY,
    STOCK_REJECTED,
    STOCK_RELEASED,
    STOCK_RESERVED,
    OrderCancelled,
    OrderPlaced,
    RejectedItem,
    ReservedItem,
    StockRejected,
    StockReleased,
    StockReserved,
)
from subgraphs._common.eventing import DomainEvents, Subscription
from subgraphs.inventory.models import EVENTS, OUTBOX, ReservationRow, StockRow


async def on_order_placed(session: AsyncSession, event: Event[Any]) -> None:
    placed: OrderPlaced = event.payload
    upcs = sorted({item.product_upc for item in placed.items})
    rows = (
        await session.scalars(
            select(StockRow)
            .where(StockRow.product_upc.in_(upcs))
            .order_by(StockRow.product_upc, StockRow.warehouse_id)
            .with_for_update()
        )
    ).all()
    by_product: dict[str, list[StockRow]] = {}
    for row in rows:
        by_product.setdefault(row.product_upc, []).append(row)
    short = [
        _shortage(item.product_upc, item.quantity, by_product.get(item.product_upc, []))
        for item in placed.items
    ]
    rejected = tuple(item for item in short if item is not None)
    if rejected:
        await OUTBOX.record(
            session,
            STOCK_REJECTED.create(placed.order_id, StockRejected(placed.order_id, rejected)),
        )
        return
    reserved: list[ReservedItem] = []
    for item in placed.items:
        remaining = item.quantity
        for row in by_product[item.product_upc]:
            take = min(row.quantity, remaining)
            if take <= 0:
                continue
            reserved.append(ReservedItem(item.product_upc, row.warehouse_id, take))
            remaining -= take
            if remaining == 0:
                break
    for part in reserved:
        await session.execute(
            update(StockRow)
            .where(
                StockRow.warehouse_id == part.warehouse_id,
                StockRow.product_upc == part.product_upc,
            )
            .values(quantity=StockRow.quantity - part.quantity)
        )
    await session.execute(
        insert(ReservationRow),
        [
            {
                "order_id": placed.order_id,
                "warehouse_id": part.warehouse_id,
                "product_upc": part.product_upc,
                "quantity": part.quantity,
            }
            for part in reserved
        ],
    )
    await OUTBOX.record(
        session,
        STOCK_RESERVED.create(placed.order_id, StockReserved(placed.order_id, tuple(reserved))),
    )


async def on_order_cancelled(session: AsyncSession, event: Event[Any]) -> None:
    cancelled: OrderCancelled = event.payload
    reservations = (
        await session.scalars(
            select(ReservationRow)
            .where(
                ReservationRow.order_id == cancelled.order_id, ReservationRow.released_at.is_(None)
            )
            .order_by(ReservationRow.product_upc, ReservationRow.warehouse_id)
            .with_for_update()
        )
    ).all()
    if not reservations:
        return
    # Lock the stock rows in the reservation's fixed order (as OrderPlaced does).
    await session.execute(
        select(StockRow.id)
        .where(StockRow.product_upc.in_(sorted({r.product_upc for r in reservations})))
        .order_by(StockRow.product_upc, StockRow.warehouse_id)
        .with_for_update()
    )
    now = datetime.now(UTC)
    for reservation in reservations:
        await session.execute(
            update(StockRow)
            .where(
                StockRow.warehouse_id == reservation.warehouse_id,
                StockRow.product_upc == reservation.product_upc,
            )
            .values(quantity=StockRow.quantity + reservation.quantity)
        )
        reservation.released_at = now
    released = tuple(ReservedItem(r.product_upc, r.warehouse_id, r.quantity) for r in reservations)
    await session.flush()
    await OUTBOX.record(
        session,
        STOCK_RELEASED.create(cancelled.order_id, StockReleased(cancelled.order_id, released)),
    )


def _shortage(upc: str, requested: int, rows: list[StockRow]) -> RejectedItem | None:
    available = sum(max(row.quantity, 0) for row in rows)
    if available >= requested:
        return None
    reason = (
        "not carried by any warehouse" if not rows else f"only {available} of {requested} in stock"
    )
    return RejectedItem(upc, requested, available, reason)


DOMAIN_EVENTS = DomainEvents(
    tables=EVENTS,
    outbox=OUTBOX,
    registry=REGISTRY,
    subscriptions=[
        Subscription(
            "inventory-orders",
            source="orders",
            handlers={"OrderPlaced": on_order_placed, "OrderCancelled": on_order_cancelled},
        )
    ],
)
