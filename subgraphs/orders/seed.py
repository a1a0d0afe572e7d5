"""Deterministic orders: ids 1..scale.orders with 1-4 items each, and the price list.

Users, products and prices come from the shared facts (`seeding.py`), so every
reference stays within the other domains' seeded ranges.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.seeding import CURRENCY, Scale, at, product_price, product_upc
from subgraphs.orders.models import OrderItemRow, OrderRow, OrderStatus, ProductPriceRow
from subgraphs.orders.placing import Line, request_fingerprint

# Older orders are further along.
STATUS_BY_AGE = (
    OrderStatus.DELIVERED,
    OrderStatus.DELIVERED,
    OrderStatus.SHIPPED,
    OrderStatus.PAID,
    OrderStatus.PLACED,
)


async def seed(connection: AsyncConnection, scale: Scale) -> None:
    rng = scale.rng("orders")
    prices = [
        {"product_upc": product_upc(pid), "amount": product_price(pid), "currency": CURRENCY}
        for pid in range(1, scale.products + 1)
    ]
    orders: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    for order_id in range(1, scale.orders + 1):
        product_ids = rng.sample(range(1, scale.products + 1), rng.randint(1, 4))
        lines = [Line(product_upc(pid), rng.randint(1, 3)) for pid in product_ids]
        for pid, line in zip(product_ids, lines, strict=True):
            items.append(
                {
                    "id": len(items) + 1,
                    "order_id": order_id,
                    "product_upc": line.product_upc,
                    "quantity": line.quantity,
                    "unit_price_amount": product_price(pid),
                }
            )
        age = (scale.orders - order_id) * len(STATUS_BY_AGE) // scale.orders
        status = STATUS_BY_AGE[len(STATUS_BY_AGE) - 1 - age]
        if rng.random() < 0.05:
            status = OrderStatus.CANCELLED
        orders.append(
            {
                "id": order_id,
                "user_id": str(rng.randint(1, scale.users)),
                "idempotency_key": f"seed-{order_id}",
                "request_hash": request_fingerprint(lines),
                "status": status.value,
                "total_amount": sum(
                    line.quantity * product_price(pid)
                    for pid, line in zip(product_ids, lines, strict=True)
                ),
                "currency": CURRENCY,
                "placed_at": at(days=order_id / 2, seconds=rng.randrange(3600)),
            }
        )
    await connection.execute(insert(ProductPriceRow), prices)
    await connection.execute(insert(OrderRow), orders)
    await connection.execute(insert(OrderItemRow), items)
