"""The reviews schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from subgraphs._common.migrations import Migration
from subgraphs._common.sqltypes import UTCDateTime


def create_reviews(op: Operations) -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_username", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating_range"),
    )
    op.create_index("ix_reviews_product_upc", "reviews", ["product_upc"])
    op.create_index("ix_reviews_author_id", "reviews", ["author_id"])
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])


MIGRATIONS = [
    Migration(1, "create reviews", create_reviews),
]
