"""orders' consumers: inventory's answer settles a PENDING order; products' facts feed the price list.

`StockReserved` -> CONFIRMED, `StockRejected` -> REJECTED (with the reasons per
item as the order's `statusReason`). Only a PENDING order changes: an answer for
an order in any other state (already settled) is applied as a no-op, so the
handlers are safe even beyond the processed-id check. Each change records
`OrderStatusChanged` in the same transaction (`status.transition`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from events import Event, PermanentError
from subgraphs._common.event_types import (
    KEYED_SUBJECTS,
    REGISTRY,
    ProductDiscontinued,
    ProductFacts,
    StockRejected,
)
from subgraphs._common.eventing import DomainEvents, Subscription
from subgraphs._common.read_model import apply_newer
from subgraphs._common.seeding import CURRENCY
from subgraphs.orders.models import EVENTS, OUTBOX, OrderRow, OrderStatus, ProductPriceRow
from subgraphs.orders.status import transition


async def settle(
    session: AsyncSession, order_id: int, status: OrderStatus, reason: str | None = None
) -> None:
    if await transition(session, order_id, [OrderStatus.PENDING], status, reason) is None:
        exists = await session.get(OrderRow, order_id)
        if exists is None:
            raise PermanentError(f"order {order_id} does not exist")


async def on_product_facts(session: AsyncSession, event: Event[Any]) -> None:
    """A product created or changed: its price as orders sells it from now on."""
    facts: ProductFacts = event.payload
    await apply_newer(
        session,
        ProductPriceRow,
        {"product_upc": facts.upc},
        {"amount": facts.price_amount, "currency": facts.currency},
        revision=facts.revision,
    )


async def on_product_discontinued(session: AsyncSession, event: Event[Any]) -> None:
    gone: ProductDiscontinued = event.payload
    # Known only from this fact (its creation not applied yet): a placeholder price
    # that is never used, since placeOrder refuses a discontinued product.
    await apply_newer(
        session,
        ProductPriceRow,
        {"product_upc": gone.upc},
        {"discontinued": True},
        revision=gone.revision,
        insert_only={"amount": 0, "currency": CURRENCY},
    )


async def on_stock_reserved(session: AsyncSession, event: Event[Any]) -> None:
    await settle(session, event.payload.order_id, OrderStatus.CONFIRMED)


async def on_stock_rejected(session: AsyncSession, event: Event[Any]) -> None:
    rejected: StockRejected = event.payload
    reason = "; ".join(f"{item.product_upc}: {item.reason}" for item in rejected.items)
    await settle(session, rejected.order_id, OrderStatus.REJECTED, reason)


DOMAIN_EVENTS = DomainEvents(
    tables=EVENTS,
    outbox=OUTBOX,
    registry=REGISTRY,
    keyed_subjects=KEYED_SUBJECTS,
    subscriptions=[
        Subscription(
            "orders-stock",
            source="inventory",
            handlers={"StockReserved": on_stock_reserved, "StockRejected": on_stock_rejected},
        ),
        Subscription(
            "orders-products",
            source="products",
            handlers={
                "ProductCreated": on_product_facts,
                "ProductUpdated": on_product_facts,
                "ProductDiscontinued": on_product_discontinued,
            },
        ),
    ],
)
