"""The orders tables (owned by this subgraph only).

Users and products belong to other subgraphs: `user_id` and `product_upc` are plain
columns (no foreign keys across domains). `user_id` is the owner's subject, an opaque
string ("7", or an identity provider's UUID; integers before migration 4). `product_prices` is the price list orders
sells at -- its own copy of the catalogue's price facts (`seeding.product_price`),
so placing an order never reads another subgraph's tables.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, MetaData, String, UniqueConstraint, false, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events import EventTables, Outbox
from subgraphs._common.sqltypes import NAMING_CONVENTION, SUBJECT_LENGTH, UTCDateTime

IDEMPOTENCY_KEY_LENGTH = 100
STATUS_REASON_LENGTH = 500


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrderStatus(enum.Enum):
    PLACED = "PLACED"  # placed without the saga (events off): nothing was reserved
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    # The order saga (events on, docs/events.md): PENDING until inventory answers.
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"  # inventory reserved every item
    REJECTED = "REJECTED"  # inventory could not reserve every item; nothing reserved


class ProductPriceRow(Base):
    """orders' read model of the catalogue: the price of each product it may sell.

    Seeded from the shared facts, then fed by products' events (docs/events.md):
    `revision` is the newest product fact applied (0: seeded), `discontinued`
    refuses new orders for it.
    """

    __tablename__ = "product_prices"

    product_upc: Mapped[str] = mapped_column(String(12), primary_key=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    revision: Mapped[int] = mapped_column(server_default=text("0"))
    discontinued: Mapped[bool] = mapped_column(server_default=false())


class OrderRow(Base):
    __tablename__ = "orders"
    # A retried placeOrder (same user, same key) hits this constraint instead of
    # creating a second order; `request_hash` tells a retry from a different order.
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(SUBJECT_LENGTH), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    total_amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Why the order has its status (a rejection's reason per item), if anyone said.
    status_reason: Mapped[str | None] = mapped_column(String(STATUS_REASON_LENGTH))
    # Counts status changes (1 = placed): the `version` of OrderStatusChanged.
    version: Mapped[int] = mapped_column(server_default=text("1"))


class OrderItemRow(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_upc"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_upc: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int]
    unit_price_amount: Mapped[int]


EVENTS = EventTables(Base.metadata)
OUTBOX = Outbox(EVENTS)
