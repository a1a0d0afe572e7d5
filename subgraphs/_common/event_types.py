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
    user_id: str | int  # the owner's subject; an integer in events recorded before it was one
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


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    """orders: a CONFIRMED order was cancelled; inventory should give its stock back."""

    order_id: int
    user_id: str | int  # the owner's subject; an integer in events recorded before it was one


@dataclass(frozen=True, slots=True)
class StockReleased:
    """inventory: the units reserved for a cancelled order are back in these warehouses."""

    order_id: int
    items: tuple[ReservedItem, ...]


@dataclass(frozen=True, slots=True)
class OrderStatusChanged:
    """orders: an order's status changed (every change, PENDING included).

    `version` counts the order's status changes (1 = placed), so a reader that
    sees them out of order keeps the highest. Published on a subject of its own
    per order (`<prefix>.orders.OrderStatusChanged.<orderId>`) for subscriptions.
    """

    order_id: int
    user_id: str | int  # the owner's subject; an integer in events recorded before it was one
    status: str
    version: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """products: what other domains may know of a product (created or updated).

    `revision` counts the product's changes (1 = created): a read model applies a
    fact only when it is newer than the one it holds, in whatever order they come.
    """

    upc: str
    name: str
    price_amount: int
    currency: str
    category_slug: str
    revision: int


@dataclass(frozen=True, slots=True)
class ProductDiscontinued:
    """products: the product is no longer sold; no new reviews or orders may name it."""

    upc: str
    revision: int


ORDER_PLACED = EventType("OrderPlaced", 1, "orders", OrderPlaced)
ORDER_CANCELLED = EventType("OrderCancelled", 1, "orders", OrderCancelled)
ORDER_STATUS_CHANGED = EventType("OrderStatusChanged", 1, "orders", OrderStatusChanged)
STOCK_RESERVED = EventType("StockReserved", 1, "inventory", StockReserved)
STOCK_REJECTED = EventType("StockRejected", 1, "inventory", StockRejected)
STOCK_RELEASED = EventType("StockReleased", 1, "inventory", StockReleased)
PRODUCT_CREATED = EventType("ProductCreated", 1, "products", ProductFacts)
PRODUCT_UPDATED = EventType("ProductUpdated", 1, "products", ProductFacts)
PRODUCT_DISCONTINUED = EventType("ProductDiscontinued", 1, "products", ProductDiscontinued)

REGISTRY = EventRegistry(
    ORDER_PLACED,
    ORDER_CANCELLED,
    ORDER_STATUS_CHANGED,
    STOCK_RESERVED,
    STOCK_REJECTED,
    STOCK_RELEASED,
    PRODUCT_CREATED,
    PRODUCT_UPDATED,
    PRODUCT_DISCONTINUED,
)

KEYED_SUBJECTS = frozenset({ORDER_STATUS_CHANGED.name})
"""Event types published on `<prefix>.<producer>.<Type>.<aggregateId>` (one subject per order)."""
