"""The reviews schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from events import create_event_tables
from subgraphs._common.migrations import Migration, subject_column
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


def create_known_products(op: Operations) -> None:
    """The read model of the products reviews may reference.

    A fresh database gets it from the seed (the shared product facts). An existing
    one learns the products its reviews already reference: every review before this
    migration was written for a seeded product or through createReview, which then
    accepted any 12-digit UPC -- so a review of a product that never existed would
    make it known; such reviews have to be deleted by hand (none are seeded).
    """
    op.create_table(
        "known_products",
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("product_upc", name="pk_known_products"),
    )
    op.execute("INSERT INTO known_products (product_upc) SELECT DISTINCT product_upc FROM reviews")


def add_product_facts_and_event_tables(op: Operations) -> None:
    """known_products becomes a read model fed by products' events."""
    op.add_column(
        "known_products",
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "known_products",
        sa.Column("discontinued", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    create_event_tables(op)


MIGRATIONS = [
    Migration(1, "create reviews", create_reviews),
    Migration(2, "create known products", create_known_products),
    Migration(
        3,
        "add known product revision and discontinued, event tables",
        add_product_facts_and_event_tables,
    ),
    Migration(
        4, "reviews.author_id becomes a subject string", subject_column("reviews", "author_id")
    ),
]
