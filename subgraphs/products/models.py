"""The products tables (owned by this subgraph only), and its event tables.

Every change of a product bumps its `revision` and records a `ProductCreated`,
`ProductUpdated` or `ProductDiscontinued` event in the same transaction (events
on): the other domains' read models of the catalogue are fed from them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events import EventTables, Outbox
from subgraphs._common.sqltypes import NAMING_CONVENTION, UTCDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CategoryRow(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    upc: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text())
    price_amount: Mapped[int]  # minor units (cents) of `price_currency`
    price_currency: Mapped[str] = mapped_column(String(3))
    weight: Mapped[int]  # grams
    category_slug: Mapped[str] = mapped_column(ForeignKey("categories.slug"), index=True)
    # Counts the product's changes (1 = created): the `revision` of its events. The
    # mapper's version column: an UPDATE matches only the revision it was read at,
    # so two concurrent changes cannot both claim the same next revision.
    revision: Mapped[int] = mapped_column(server_default=text("1"))
    # Set when the product stops being sold (no new reviews or orders for it).
    discontinued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


EVENTS = EventTables(Base.metadata)
OUTBOX = Outbox(EVENTS)
