"""The products tables (owned by this subgraph only)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from subgraphs._common.sqltypes import NAMING_CONVENTION


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
