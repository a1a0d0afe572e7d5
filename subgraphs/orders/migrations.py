"""The orders schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from events import create_event_tables
from subgraphs._common.migrations import Migration, subject_column
from subgraphs._common.sqltypes import UTCDateTime


def create_orders(op: Operations) -> None:
    op.create_table(
        "product_prices",
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("product_upc", name="pk_product_prices"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_id_idempotency_key"),
    )
    op.create_index("ix_orders_user_id", "orders", ["user_id"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_amount", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_items"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"),
        sa.UniqueConstraint("order_id", "product_upc", name="uq_order_items_order_id_product_upc"),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])


def add_status_reason_version_and_product_facts(op: Operations) -> None:
    """The saga's reasons and status versions; the price list becomes an event-fed read model."""
    op.add_column("orders", sa.Column("status_reason", sa.String(500), nullable=True))
    op.add_column(
        "orders", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )
    op.add_column(
        "product_prices",
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "product_prices",
        sa.Column("discontinued", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


MIGRATIONS = [
    Migration(1, "create orders", create_orders),
    Migration(2, "create event tables", create_event_tables),
    Migration(
        3,
        "add status reason and version, product revision and discontinued",
        add_status_reason_version_and_product_facts,
    ),
    Migration(4, "orders.user_id becomes a subject string", subject_column("orders", "user_id")),
]
