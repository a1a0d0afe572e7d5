"""One subgraph's database: engine, pool, statement counter, sessions, preparation, reset."""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, QueuePool, event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from loaders import SerialSession, StatementCounter
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.domain import Domain
from subgraphs._common.migrations import MigrationError, MigrationReport, migrate
from subgraphs._common.seeding import Scale

log = logging.getLogger("subgraphs")


class Database:
    """The engine of one subgraph plus its `StatementCounter`."""

    def __init__(self, name: str, config: DatabaseConfig) -> None:
        self.name = name
        self.config = config
        self.engine = _create_engine(config)
        self.counter = StatementCounter.attach(self.engine, subgraph=name)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A plain session (scripts, tests); uncommitted work is rolled back at the end."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def request_session(self, request_id: str = "-") -> AsyncIterator[SerialSession]:
        """The session of one request, closed on every path (see `loaders.session`).

        Uncommitted work is rolled back and the connection returned even when the
        request fails or is cancelled. A failure to close is logged, not raised: the
        response has been sent by then, and the pool has discarded the connection.
        """
        db = SerialSession(self.sessions())
        try:
            yield db
        finally:
            try:
                await db.close()
            except Exception:
                log.exception(
                    "%s: request %s: closing its database session failed", self.name, request_id
                )

    @property
    def checked_out(self) -> int:
        """Connections currently lent out by the pool (0 when every request is done)."""
        return _checked_out(self.engine)

    async def prepare(self, domain: Domain, *, seed_scale: Scale | None) -> MigrationReport:
        """Migrate to the latest version; seed if the database was empty (first start).

        Migrations and the first seed run in ONE transaction: a crash leaves the
        database as it was. On PostgreSQL an advisory lock serialises replicas that
        start together.
        """
        async with self.engine.connect() as connection:
            sqlite = self.config.is_sqlite
            if sqlite:
                # SQLite changes a column's type by copying its table (Alembic's batch
                # mode), which drops a table other tables reference: allowed only with
                # foreign keys off, and PRAGMA foreign_keys is a no-op inside a
                # transaction. The result is checked before the commit instead.
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.commit()
                # Python's sqlite3 opens its transaction at the first INSERT/UPDATE/
                # DELETE only, so DDL before it (batch mode's CREATE TABLE
                # _alembic_tmp_<table>) commits on its own and survives a rollback:
                # every later start would fail "table already exists". SQLAlchemy's
                # pysqlite recipe: the driver's autocommit plus our own BEGIN. The
                # pool restores the isolation level when the connection goes back.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                async with connection.begin():
                    if sqlite:
                        await connection.exec_driver_sql("BEGIN")
                    await self._lock_and_create_schema(connection)
                    report = await connection.run_sync(migrate, domain.migrations)
                    if report.was_empty and seed_scale is not None:
                        await domain.seed(connection, seed_scale)
                        await self._advance_sequences(connection, domain.metadata)
                    if sqlite:
                        await _check_foreign_keys(connection)
            finally:
                if sqlite:
                    await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    await connection.commit()
        if report.applied:
            log.info(
                "%s: migrated %s from version %d to %d%s",
                self.name,
                self.config.describe(),
                report.previous_version,
                report.applied[-1],
                f", seeded at scale {seed_scale.n}" if report.was_empty and seed_scale else "",
            )
        return report

    async def reset(self) -> None:
        """Drop everything this subgraph stored (its PostgreSQL schema, or all tables)."""
        async with self.engine.begin() as connection:
            if self.config.schema is not None:
                await connection.execute(
                    text(f'DROP SCHEMA IF EXISTS "{self.config.schema}" CASCADE')
                )
            else:
                await connection.run_sync(_drop_all_tables)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def _advance_sequences(self, connection: AsyncConnection, metadata: MetaData) -> None:
        """After seeding explicit ids, move PostgreSQL's id sequences past them.

        Seeds insert ids 1..N explicitly; a SERIAL/IDENTITY sequence does not notice,
        so the next INSERT without an id would collide. SQLite's INTEGER PRIMARY KEY
        always continues after the largest id, so only PostgreSQL needs this.
        """
        if self.config.schema is None:
            return
        for table in metadata.sorted_tables:
            column = table.autoincrement_column
            if column is None:
                continue
            await connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'coalesce(max("{column.name}"), 0) + 1, false) FROM "{table.name}"'
                ),
                {"table": f'"{self.config.schema}"."{table.name}"', "column": column.name},
            )

    async def _lock_and_create_schema(self, connection: AsyncConnection) -> None:
        schema = self.config.schema
        if schema is None:
            return
        lock_key = zlib.crc32(f"subgraphs:{schema}".encode())
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
        await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def _create_engine(config: DatabaseConfig) -> AsyncEngine:
    pool = {
        "pool_size": config.pool_size,
        "max_overflow": config.max_overflow,
        "pool_timeout": config.pool_timeout,
    }
    if config.is_sqlite:
        path = Path(config.url.removeprefix("sqlite+aiosqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(config.url, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        config.url,
        # Unqualified table names resolve to the subgraph's own schema.
        connect_args={"server_settings": {"search_path": config.schema or "public"}},
        **pool,
    )


def _checked_out(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        raise TypeError(f"expected a QueuePool, got {type(pool).__name__}")
    return pool.checkedout()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # On the raw DBAPI connection: not statements counted by the StatementCounter.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    # Wait for the write lock instead of failing. With events on, requests, the relay
    # and the consumers all write; on a loaded machine 1,000 concurrent orders saw
    # writers wait past 5 s ("database is locked"), so 30 s.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def _check_foreign_keys(connection: AsyncConnection) -> None:
    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if broken:
        raise MigrationError(f"migrations left rows breaking foreign keys: {broken[:5]}")


def _drop_all_tables(connection: Any) -> None:
    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)
