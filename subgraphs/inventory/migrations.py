"""The inventory schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from events import create_event_tables
from subgraphs._common.migrations import Migration
from subgraphs._common.sqltypes import UTCDateTime


def create_warehouses_and_stock(op: Operations) -> None:
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_warehouses"),
        sa.UniqueConstraint("name", name="uq_warehouses_name"),
    )
    op.create_table(
        "stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock"),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name="fk_stock_warehouse_id_warehouses"
        ),
        sa.UniqueConstraint(
            "warehouse_id", "product_upc", name="uq_stock_warehouse_id_product_upc"
        ),
    )
    op.create_index("ix_stock_product_upc", "stock", ["product_upc"])


def create_reservations_and_event_tables(op: Operations) -> None:
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("product_upc", sa.String(12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reservations"),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name="fk_reservations_warehouse_id_warehouses"
        ),
        sa.UniqueConstraint(
            "order_id",
            "warehouse_id",
            "product_upc",
            name="uq_reservations_order_id_warehouse_id_product_upc",
        ),
    )
    op.create_index("ix_reservations_order_id", "reservations", ["order_id"])
    create_event_tables(op)


def add_reservation_released_at(op: Operations) -> None:
    op.add_column("reservations", sa.Column("released_at", UTCDateTime(), nullable=True))


MIGRATIONS = [
    Migration(1, "create warehouses and stock", create_warehouses_and_stock),
    Migration(2, "create reservations and event tables", create_reservations_and_event_tables),
    Migration(3, "add reservations.released_at", add_reservation_released_at),
]
