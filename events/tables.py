"""The two event tables a domain adds to its own metadata and migrations.

- `event_outbox`: events recorded in the transaction of the state change, in
  `seq` order; `published_at` is set by the relay once JetStream has stored them.
- `processed_events`: (consumer, event id) of every event a consumer has applied,
  written in the transaction of the effect; its primary key makes a second
  application of the same event impossible.

    # models.py
    EVENTS = EventTables(Base.metadata)
    # migrations.py
    Migration(2, "create event tables", create_event_tables)

`create_event_tables` writes exactly what `EventTables` declares (names follow the
domains' naming convention), so the migrations-vs-models test holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from sqlalchemy import Dialect, MetaData, Table
from sqlalchemy.types import TypeDecorator

OUTBOX_TABLE = "event_outbox"
PROCESSED_TABLE = "processed_events"
EVENT_ID_LENGTH = 36


class UTCTimestamp(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite stores them naive, as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _outbox_columns() -> list[sa.Column[Any]]:
    return [
        # The relay's order: per aggregate, events are published in `seq` order.
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(EVENT_ID_LENGTH), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("aggregate_id", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCTimestamp(), nullable=False),
        sa.Column("published_at", UTCTimestamp(), nullable=True),
    ]


def _processed_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(EVENT_ID_LENGTH), primary_key=True),
        sa.Column("processed_at", UTCTimestamp(), nullable=False),
    ]


class EventTables:
    """`event_outbox` and `processed_events` declared on a domain's `metadata`."""

    def __init__(self, metadata: MetaData) -> None:
        self.outbox = Table(
            OUTBOX_TABLE,
            metadata,
            *_outbox_columns(),
            sa.UniqueConstraint("event_id"),
            sa.Index(None, "published_at"),
        )
        self.processed = Table(PROCESSED_TABLE, metadata, *_processed_columns())


def create_event_tables(op: Operations) -> None:
    """The migration step that creates both tables (add it to the domain's MIGRATIONS)."""
    op.create_table(
        OUTBOX_TABLE,
        *_outbox_columns(),
        sa.PrimaryKeyConstraint("seq", name=f"pk_{OUTBOX_TABLE}"),
        sa.UniqueConstraint("event_id", name=f"uq_{OUTBOX_TABLE}_event_id"),
    )
    op.create_index(f"ix_{OUTBOX_TABLE}_published_at", OUTBOX_TABLE, ["published_at"])
    op.create_table(
        PROCESSED_TABLE,
        *_processed_columns(),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=f"pk_{PROCESSED_TABLE}"),
    )
