"""The accounts schema history. Append new migrations; never edit released ones."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations

from subgraphs._common.migrations import Migration
from subgraphs._common.sqltypes import UTCDateTime


def create_users(op: Operations) -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )


MIGRATIONS = [
    Migration(1, "create users", create_users),
]
