"""Order status transitions that other domains hear of, each in the caller's transaction.

`transition(session, order_id, from_, to, reason)` changes the status only when the
order is in `from_` (one conditional UPDATE ... RETURNING: two concurrent
transitions cannot both win), bumps its `version`, and records
`OrderStatusChanged` in the outbox of the same transaction. It returns the new
(user id, version), or None when the order was not in `from_`.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from subgraphs._common.event_types import ORDER_STATUS_CHANGED, OrderStatusChanged
from subgraphs.orders.models import OUTBOX, STATUS_REASON_LENGTH, OrderRow, OrderStatus


def status_changed(
    order_id: int, user_id: str, status: OrderStatus, version: int, reason: str | None = None
) -> Event[OrderStatusChanged]:
    return ORDER_STATUS_CHANGED.create(
        order_id, OrderStatusChanged(order_id, user_id, status.value, version, reason)
    )


def clip_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    return (
        reason if len(reason) <= STATUS_REASON_LENGTH else reason[: STATUS_REASON_LENGTH - 1] + "…"
    )


async def transition(
    session: AsyncSession,
    order_id: int,
    from_: Collection[OrderStatus],
    to: OrderStatus,
    reason: str | None = None,
    *,
    record: bool = True,
) -> tuple[str, int] | None:
    reason = clip_reason(reason)
    changed = (
        await session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id, OrderRow.status.in_([s.value for s in from_]))
            .values(status=to.value, status_reason=reason, version=OrderRow.version + 1)
            .returning(OrderRow.user_id, OrderRow.version)
        )
    ).one_or_none()
    if changed is None:
        return None
    user_id, version = changed
    if record:
        await OUTBOX.record(session, status_changed(order_id, user_id, to, version, reason))
    return user_id, version
