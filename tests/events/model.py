"""A tiny domain for the events tests: counters changed by events, with event tables."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event, EventRegistry, EventTables, EventType, Outbox
from subgraphs._common.database import Database
from subgraphs._common.sqltypes import NAMING_CONVENTION

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
TABLES = EventTables(metadata)
OUTBOX = Outbox(TABLES)
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.Integer(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Bumped:
    counter: str
    by: int
    note: str | None = None


BUMPED = EventType("Bumped", 1, "demo", Bumped)
REGISTRY = EventRegistry(BUMPED)


async def create(database: Database) -> None:
    async with database.engine.begin() as connection:
        if database.config.schema is not None:
            await connection.execute(sa.text(f'CREATE SCHEMA "{database.config.schema}"'))
        await connection.run_sync(metadata.create_all)


async def bump(session: AsyncSession, event: Event[Bumped]) -> None:
    """The handler: adds `by` to the counter (a second application would show)."""
    if event.payload.note == "poison":
        raise RuntimeError("this event always fails")
    updated = await session.execute(
        sa.update(counters)
        .where(counters.c.name == event.payload.counter)
        .values(value=counters.c.value + event.payload.by)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(counters).values(name=event.payload.counter, value=event.payload.by)
        )


async def counter_values(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.select(counters.c.name, counters.c.value))
        return {name: value for name, value in rows}


async def outbox_rows(database: Database) -> list[sa.Row[tuple[int, str, str, object]]]:
    table = TABLES.outbox
    async with database.engine.connect() as connection:
        result = await connection.execute(
            sa.select(
                table.c.seq, table.c.event_id, table.c.aggregate_id, table.c.published_at
            ).order_by(table.c.seq)
        )
        return list(result.all())  # type: ignore[arg-type]
