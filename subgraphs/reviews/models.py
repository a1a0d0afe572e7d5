"""The reviews tables (owned by this subgraph only).

Authors and products belong to other subgraphs: `author_id` and `product_upc` are
plain indexed columns (no foreign keys across domains); `author_id` is the author's
subject, an opaque string ("7", or an identity provider's UUID). The row keeps the author's
username so that `Review.author @provides(fields: "username")` needs no accounts call.

`known_products` is reviews' local read model of the catalogue: the products that
exist and whether they are discontinued, so that `createReview` refuses a review
of a product that does not exist or is no longer sold (see subgraphs/README.md,
"Facts owned by other domains"). Seeded from the shared facts, then fed by
products' events (`events.py`): `revision` is the newest fact applied (0: seeded).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, MetaData, String, Text, false, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events import EventTables, Outbox
from subgraphs._common.sqltypes import NAMING_CONVENTION, SUBJECT_LENGTH, UTCDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


USERNAME_LENGTH = 64


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_upc: Mapped[str] = mapped_column(String(12), index=True)
    author_id: Mapped[str] = mapped_column(String(SUBJECT_LENGTH), index=True)
    author_username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    body: Mapped[str] = mapped_column(Text())
    rating: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class KnownProductRow(Base):
    """A product that exists in the catalogue, as reviews knows it (a read model)."""

    __tablename__ = "known_products"

    product_upc: Mapped[str] = mapped_column(String(12), primary_key=True)
    revision: Mapped[int] = mapped_column(server_default=text("0"))
    discontinued: Mapped[bool] = mapped_column(server_default=false())


# reviews consumes products' events (processed ids); its outbox stays empty.
EVENTS = EventTables(Base.metadata)
OUTBOX = Outbox(EVENTS)
