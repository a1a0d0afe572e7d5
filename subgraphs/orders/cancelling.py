"""Cancelling an order: the compensation step of the order saga.

`cancel_order(context, order_id)` (the order's owner, or scope `orders:write`):

- only a CONFIRMED order can be cancelled: a PENDING one has no answer from
  inventory yet, a REJECTED or CANCELLED one holds no stock. Anything else is a
  BAD_USER_INPUT error and nothing is written;
- in ONE transaction: CONFIRMED -> CANCELLED (a conditional UPDATE, so two
  concurrent cancels cannot both win), `OrderCancelled` (inventory gives the
  reserved units back and answers `StockReleased`) and `OrderStatusChanged`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input
from subgraphs._common.event_types import ORDER_CANCELLED, OrderCancelled
from subgraphs.orders.models import OUTBOX, OrderRow, OrderStatus
from subgraphs.orders.status import transition

CANCELLED_REASON = "cancelled by the customer or staff"


def not_cancellable(order_id: int, status: str) -> Exception:
    return bad_user_input(
        f"order {order_id} is {status}: only a CONFIRMED order can be cancelled", field="id"
    )


async def cancel_order(context: SubgraphContext, order: OrderRow) -> OrderRow:
    """Cancel `order` (already loaded and access-checked); the row as it is afterwards."""
    if order.status != OrderStatus.CONFIRMED.value:
        raise not_cancellable(order.id, order.status)

    async def write(session: AsyncSession) -> OrderRow | None:
        try:
            # End the read transaction of the lookups first: on SQLite (WAL) a read
            # snapshot that another writer has moved past cannot become a write
            # ("database is locked" at once, no busy wait). Nothing is expired.
            await session.commit()
            changed = await transition(
                session,
                order.id,
                [OrderStatus.CONFIRMED],
                OrderStatus.CANCELLED,
                CANCELLED_REASON,
                record=context.events_enabled,
            )
            if changed is None:  # changed meanwhile (another cancel won)
                await session.rollback()
                return None
            if context.events_enabled:
                await OUTBOX.record(
                    session, ORDER_CANCELLED.create(order.id, OrderCancelled(order.id, changed[0]))
                )
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        return await session.get(OrderRow, order.id, populate_existing=True)

    cancelled = await context.db.run(write)
    if cancelled is None:
        now = await context.db.scalars(select(OrderRow.status).where(OrderRow.id == order.id))
        raise not_cancellable(order.id, now[0] if now else "gone")
    return cancelled
