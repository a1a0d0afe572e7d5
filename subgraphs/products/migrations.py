"""The products schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from events import create_event_tables
from subgraphs._common.migrations import Migration
from subgraphs._common.sqltypes import UTCDateTime


def create_categories_and_products(op: Operations) -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
        sa.UniqueConstraint("slug", name="uq_categories_slug"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upc", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_amount", sa.Integer(), nullable=False),
        sa.Column("price_currency", sa.String(3), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("category_slug", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("upc", name="uq_products_upc"),
        sa.ForeignKeyConstraint(
            ["category_slug"],
            ["categories.slug"],
            name="fk_products_category_slug_categories",
        ),
    )
    op.create_index("ix_products_category_slug", "products", ["category_slug"])


def add_revision_discontinued_and_event_tables(op: Operations) -> None:
    op.add_column(
        "products", sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )
    op.add_column("products", sa.Column("discontinued_at", UTCDateTime(), nullable=True))
    create_event_tables(op)


MIGRATIONS = [
    Migration(1, "create categories and products", create_categories_and_products),
    Migration(
        2,
        "add products.revision and discontinued_at, create event tables",
        add_revision_discontinued_and_event_tables,
    ),
]
