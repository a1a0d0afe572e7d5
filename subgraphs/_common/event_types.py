"""The events domains exchange: one schema per type and version (docs/events.md).

These are the published contract between domains (like the SDL between the
router and a subgraph): a producer records them in its outbox, consumers decode
them with `REGISTRY`. Change a payload incompatibly only as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from events import EventRegistry, EventType


@dataclass(frozen=True, slots=True)
class OrderedItem:
    product_upc: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """orders: an order was placed (status PENDING); inventory should reserve its items."""

    order_id: int
    user_id: int
    items: tuple[OrderedItem, ...]


@dataclass(frozen=True, slots=True)
class ReservedItem:
    product_upc: str
    warehouse_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class StockReserved:
    """inventory: every item of the order is reserved (taken from these warehouses)."""

    order_id: int
    items: tuple[ReservedItem, ...]


@dataclass(frozen=True, slots=True)
class RejectedItem:
    product_upc: str
    requested: int
    available: int
    reason: str


@dataclass(frozen=True, slots=True)
class StockRejected:
    """inventory: nothing was reserved, because of these items (all or nothing)."""

    order_id: int
    items: tuple[RejectedItem, ...]


ORDER_PLACED = EventType("OrderPlaced", 1, "orders", OrderPlaced)
STOCK_RESERVED = EventType("StockReserved", 1, "inventory", StockReserved)
STOCK_REJECTED = EventType("StockRejected", 1, "inventory", StockRejected)

REGISTRY = EventRegistry(ORDER_PLACED, STOCK_RESERVED, STOCK_REJECTED)
