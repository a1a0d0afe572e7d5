"""Usage counts by hour in SQLite or PostgreSQL, and the questions asked of them.

Two tables: `usage_operations` (an operation's id, name and the coordinates it
uses, written once) and `usage_counts` (requests per hour, operation, client
name, client version and persisted-operation id; flushes add to the hour's
row). A client that sends no name is recorded as "" (unique keys and NULLs do
not mix).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from supergraph.dsn import open_engine

LABEL_CHARS = 200
"""The width of the text columns a client chooses (client name and version, persisted id,
operation name): longer values are cut to it before they are stored."""

metadata = MetaData()
operations = Table(
    "usage_operations",
    metadata,
    Column("operation_id", String(64), primary_key=True),
    Column("operation_name", String(LABEL_CHARS), nullable=False),
    Column("coordinates", Text, nullable=False),
)
counts = Table(
    "usage_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hour", DateTime(timezone=True), nullable=False),
    Column("operation_id", String(64), nullable=False),
    Column("client_name", String(LABEL_CHARS), nullable=False),
    Column("client_version", String(LABEL_CHARS), nullable=False),
    Column("persisted_id", String(LABEL_CHARS), nullable=False),
    Column("count", Integer, nullable=False),
    UniqueConstraint(
        "hour",
        "operation_id",
        "client_name",
        "client_version",
        "persisted_id",
        name="uq_usage_counts_hour_operation_client",
    ),
)


@dataclass(frozen=True, slots=True)
class CountKey:
    operation_id: str
    client_name: str
    client_version: str
    persisted_id: str


@dataclass(frozen=True, slots=True)
class Use:
    """Requests of one operation by one client (name and version) that used some of
    the coordinates asked about."""

    client_name: str
    client_version: str
    operation_id: str
    operation_name: str
    persisted_id: str
    count: int
    coordinates: tuple[str, ...]
    """Which of the coordinates asked about it used."""

    def as_json(self) -> dict[str, object]:
        return {
            "clientName": self.client_name,
            "clientVersion": self.client_version,
            "operationId": self.operation_id,
            "operationName": self.operation_name,
            "persistedId": self.persisted_id or None,
            "count": self.count,
            "coordinates": list(self.coordinates),
        }


IN_CHUNK = 5_000
"""Operation ids per `IN (...)`: asyncpg takes at most 32,767 parameters a statement, and
a widely used type can be used by more distinct operations than that."""


class UsageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._upsert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        self._operations: dict[str, tuple[str, frozenset[str]]] | None = None
        """Every stored operation's name and coordinates, read once by the first question:
        a command asks many (one per change or deprecated element) of one snapshot."""

    async def _described(
        self, connection: AsyncConnection
    ) -> dict[str, tuple[str, frozenset[str]]]:
        if self._operations is None:
            rows = (await connection.execute(select(operations))).mappings()
            self._operations = {
                row["operation_id"]: (
                    row["operation_name"],
                    frozenset(json.loads(row["coordinates"])),
                )
                for row in rows
            }
        return self._operations

    @classmethod
    async def open(cls, dsn: str) -> UsageStore:
        return cls(await open_engine(dsn, metadata))

    async def close(self) -> None:
        await self.engine.dispose()

    async def add(
        self,
        hour: datetime,
        new_operations: Mapping[str, tuple[str, frozenset[str]]],
        added: Mapping[CountKey, int],
    ) -> None:
        """One flush: operations not stored yet ({id: (name, coordinates)}) and counts to
        add to `hour`'s rows, in one transaction."""
        async with self.engine.begin() as connection:
            if new_operations:
                # In id order, as the counts below: two routers storing the same new
                # operations met in opposite orders would each hold one the other's
                # insert waits for (a deadlock on PostgreSQL).
                rows = [
                    {
                        "operation_id": op_id,
                        "operation_name": name,
                        "coordinates": json.dumps(sorted(coordinates)),
                    }
                    for op_id, (name, coordinates) in sorted(new_operations.items())
                ]
                await connection.execute(
                    self._upsert(operations).on_conflict_do_nothing(
                        index_elements=["operation_id"]
                    ),
                    rows,
                )
            if added:
                # In key order: routers (or --workers) flushing the same hour at once
                # lock the rows they share in one order, so they wait, never deadlock.
                count_rows: list[dict[str, object]] = [
                    {
                        "hour": hour,
                        "operation_id": key.operation_id,
                        "client_name": key.client_name,
                        "client_version": key.client_version,
                        "persisted_id": key.persisted_id,
                        "count": count,
                    }
                    for key, count in sorted(added.items(), key=lambda item: _order(item[0]))
                ]
                statement = self._upsert(counts)
                await connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[
                            "hour",
                            "operation_id",
                            "client_name",
                            "client_version",
                            "persisted_id",
                        ],
                        set_={"count": counts.c.count + statement.excluded.count},
                    ),
                    count_rows,
                )

    async def uses(self, coordinates: Iterable[str], since: datetime) -> list[Use]:
        """Who used any of `coordinates` since `since`, most requests first."""
        wanted = set(coordinates)
        async with self.engine.connect() as connection:
            hits = {
                op_id: (name, tuple(sorted(wanted & used)))
                for op_id, (name, used) in (await self._described(connection)).items()
                if wanted & used
            }
            rows: list[Any] = []
            for chunk in _chunks(list(hits)):  # an operation is in one chunk: sums whole
                statement = (
                    select(
                        counts.c.client_name,
                        counts.c.client_version,
                        counts.c.operation_id,
                        counts.c.persisted_id,
                        func.sum(counts.c.count),
                    )
                    .where(counts.c.operation_id.in_(chunk), counts.c.hour >= hour_of(since))
                    .group_by(
                        counts.c.client_name,
                        counts.c.client_version,
                        counts.c.operation_id,
                        counts.c.persisted_id,
                    )
                )
                rows += (await connection.execute(statement)).all()
        out = [
            Use(name, version, op_id, hits[op_id][0], persisted, int(total), hits[op_id][1])
            for name, version, op_id, persisted, total in rows
        ]
        out.sort(key=lambda u: (-u.count, u.client_name, u.client_version, u.operation_id))
        return out

    async def prune(self, before: datetime) -> tuple[int, int]:
        """Forget what was counted before `before` (retention): (count rows, operations)
        deleted. A router that sends a pruned operation again stores it again within
        the hour (its recorder forgets what it stored every hour)."""
        return await _prune(self.engine, before)

    async def coordinate_counts(self, since: datetime) -> dict[str, int]:
        """Requests per coordinate since `since`."""
        async with self.engine.connect() as connection:
            ops = {op_id: used for op_id, (_, used) in (await self._described(connection)).items()}
            statement = (
                select(counts.c.operation_id, func.sum(counts.c.count))
                .where(counts.c.hour >= hour_of(since))
                .group_by(counts.c.operation_id)
            )
            totals = (await connection.execute(statement)).all()
        out: dict[str, int] = {}
        for op_id, total in totals:
            for coordinate in ops.get(op_id, ()):
                out[coordinate] = out.get(coordinate, 0) + int(total)
        return out

    async def daily(self, coordinates: Iterable[str], since: datetime) -> dict[str, dict[str, int]]:
        """Requests per day (ISO date) and client ("name version") that used any of
        `coordinates` since `since`."""
        wanted = set(coordinates)
        async with self.engine.connect() as connection:
            ops = [
                op_id
                for op_id, (_, used) in (await self._described(connection)).items()
                if wanted & used
            ]
            rows: list[Any] = []
            for chunk in _chunks(ops):
                statement = select(
                    counts.c.hour, counts.c.client_name, counts.c.client_version, counts.c.count
                ).where(counts.c.operation_id.in_(chunk), counts.c.hour >= hour_of(since))
                rows += (await connection.execute(statement)).all()
        out: dict[str, dict[str, int]] = {}
        for hour, name, version, count in rows:
            day = hour.date().isoformat()
            client = f"{name or '(no name)'} {version}".strip()
            per_client = out.setdefault(day, {})
            per_client[client] = per_client.get(client, 0) + int(count)
        return dict(sorted(out.items()))


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + IN_CHUNK] for start in range(0, len(ids), IN_CHUNK)]


async def _prune(engine: AsyncEngine, before: datetime) -> tuple[int, int]:
    """Delete the counts of hours before `before`, then the operations no count names."""
    async with engine.begin() as connection:
        gone = await connection.execute(delete(counts).where(counts.c.hour < hour_of(before)))
        still = select(counts.c.operation_id).distinct()
        orphans = await connection.execute(
            delete(operations).where(operations.c.operation_id.not_in(still))
        )
    return gone.rowcount, orphans.rowcount


def _order(key: CountKey) -> tuple[str, str, str, str]:
    return (key.operation_id, key.client_name, key.client_version, key.persisted_id)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
