"""The products schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from subgraphs._common.migrations import Migration


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


MIGRATIONS = [
    Migration(1, "create categories and products", create_categories_and_products),
]
