"""Explicit, versioned schema migrations, recorded in a `subgraph_migrations` table.

Why not full Alembic (env.py, alembic.ini, a script directory per subgraph)? Each
subgraph has a handful of tables, must run identically on SQLite and PostgreSQL, and
is migrated in-process at start-up, inside the same transaction as its first seed,
against whichever database its config names (tests point it at throw-away schemas).
So the versioning is ours and tiny, and the DDL vocabulary is Alembic's: each
migration is a plain function receiving an `alembic.operations.Operations` object
(`op.create_table`, `op.add_column`, and `op.batch_alter_table` for SQLite-safe
ALTERs). A test compares the migrated database with the models (Alembic's
`compare_metadata`), so models and migrations cannot drift apart.

Rules: versions are 1, 2, 3, ... in order; never edit or renumber a migration that has
been released -- add a new one. Start-up fails loudly if the database's recorded
history is not a prefix of the code's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert, select

from subgraphs._common.sqltypes import SUBJECT_LENGTH, UTCDateTime

MIGRATIONS_TABLE = "subgraph_migrations"

_metadata = MetaData()
_history = Table(
    MIGRATIONS_TABLE,
    _metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change: `upgrade(op)` with Alembic's operations."""

    version: int
    name: str
    upgrade: Callable[[Operations], None]


@dataclass(frozen=True, slots=True)
class MigrationReport:
    previous_version: int
    applied: tuple[int, ...]

    @property
    def was_empty(self) -> bool:
        """True when the database had no migration applied before (a fresh database)."""
        return self.previous_version == 0


class MigrationError(RuntimeError):
    """The database's migration history does not match the code's."""


def check_sequence(migrations: Sequence[Migration]) -> None:
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must be 1..N in order, got {versions}")


def migrate(connection: Connection, migrations: Sequence[Migration]) -> MigrationReport:
    """Apply the pending migrations on `connection` (in the caller's transaction)."""
    check_sequence(migrations)
    _history.create(connection, checkfirst=True)
    recorded = connection.execute(
        select(_history.c.version, _history.c.name).order_by(_history.c.version)
    ).all()
    for (version, name), migration in zip(recorded, migrations, strict=False):
        if version != migration.version or name != migration.name:
            raise MigrationError(
                f"database has migration {version} {name!r} where the code has "
                f"{migration.version} {migration.name!r}"
            )
    if len(recorded) > len(migrations):
        raise MigrationError(
            f"database is at version {len(recorded)}, newer than the code ({len(migrations)})"
        )
    operations = Operations(MigrationContext.configure(connection))
    applied: list[int] = []
    for migration in migrations[len(recorded) :]:
        migration.upgrade(operations)
        connection.execute(
            insert(_history).values(
                version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
            )
        )
        applied.append(migration.version)
    return MigrationReport(previous_version=len(recorded), applied=tuple(applied))


def subject_column(table: str, column: str) -> Callable[[Operations], None]:
    """A migration turning an integer owner column into a subject (an opaque string).

    Owners were our integer user ids, so a subject that is not one (an identity
    provider's UUID) could own nothing. The ids become their decimal text ("7"), which
    is the subject the router signs for that user, so every existing row keeps its
    owner. PostgreSQL converts in place (`USING`, indexes and constraints rebuilt);
    SQLite cannot alter a column type, so Alembic's batch mode copies the table.
    """

    def upgrade(op: Operations) -> None:
        if op.get_context().dialect.name == "sqlite":
            # Left by an attempt that failed before DDL was transactional here
            # (Database.prepare): batch mode would refuse to start.
            op.execute(f"DROP TABLE IF EXISTS _alembic_tmp_{table}")
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=Integer(),
                type_=String(SUBJECT_LENGTH),
                existing_nullable=False,
                postgresql_using=f"{column}::varchar({SUBJECT_LENGTH})",
            )

    upgrade.__name__ = f"{table}_{column}_to_subject"
    return upgrade
