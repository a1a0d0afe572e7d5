"""Deterministic stock: 4 fixed warehouses, stock rows per (warehouse, product UPC).

Products are known only through the shared facts (`product_upc(id)` for ids
1..scale.products), never through the products tables. Each warehouse carries a
product with probability `CARRY_PROBABILITY`, with 0..`MAX_QUANTITY` units (a
carried product may be sold out); a product no warehouse carries has no rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.seeding import Scale, product_upc
from subgraphs.inventory.models import StockRow, WarehouseRow

# (id, name, location); `Scale.warehouses` of them.
WAREHOUSES: tuple[tuple[int, str, str], ...] = (
    (1, "North", "Toronto, CA"),
    (2, "East", "Newark, US"),
    (3, "South", "Atlanta, US"),
    (4, "West", "Oakland, US"),
)
CARRY_PROBABILITY = 0.6
MAX_QUANTITY = 40


def stock_rows(scale: Scale) -> list[dict[str, Any]]:
    """The seeded stock rows for `scale` (pure: the same list every call)."""
    rng = scale.rng("inventory")
    rows: list[dict[str, Any]] = []
    for product_id in range(1, scale.products + 1):
        for warehouse_id, _name, _location in WAREHOUSES[: scale.warehouses]:
            if rng.random() < CARRY_PROBABILITY:
                rows.append(
                    {
                        "id": len(rows) + 1,
                        "warehouse_id": warehouse_id,
                        "product_upc": product_upc(product_id),
                        "quantity": rng.randint(0, MAX_QUANTITY),
                    }
                )
    return rows


async def seed(connection: AsyncConnection, scale: Scale) -> None:
    warehouses = [
        {"id": warehouse_id, "name": name, "location": location}
        for warehouse_id, name, location in WAREHOUSES[: scale.warehouses]
    ]
    await connection.execute(insert(WarehouseRow), warehouses)
    await connection.execute(insert(StockRow), stock_rows(scale))
