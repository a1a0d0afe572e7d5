"""The inventory tables (owned by this subgraph only).

Products belong to the products subgraph: a stock row refers to one by its UPC, a
plain indexed column (no foreign key across subgraphs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events import EventTables, Outbox
from subgraphs._common.sqltypes import NAMING_CONVENTION, UTCDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WarehouseRow(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    location: Mapped[str] = mapped_column(String(200))


class StockRow(Base):
    """How many units of one product (by UPC) one warehouse holds."""

    __tablename__ = "stock"
    __table_args__ = (UniqueConstraint("warehouse_id", "product_upc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_upc: Mapped[str] = mapped_column(String(12), index=True)
    quantity: Mapped[int]


class ReservationRow(Base):
    """Units taken from one warehouse's stock for one order (the order saga).

    The stock rows hold what is left; these rows say where the reserved units went,
    so a cancelled order can give back exactly what it took.
    """

    __tablename__ = "reservations"
    __table_args__ = (UniqueConstraint("order_id", "warehouse_id", "product_upc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(index=True)  # an orders id: no foreign key
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    product_upc: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int]
    # Set when the order was cancelled and the units went back to the warehouse.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


EVENTS = EventTables(Base.metadata)
OUTBOX = Outbox(EVENTS)
