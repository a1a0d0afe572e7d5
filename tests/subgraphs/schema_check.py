"""Whether a database's tables are its domain's models: alembic's own comparison
(types included), over everything but the migration history table."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.migrations import MIGRATIONS_TABLE


async def schema_differences(connection: AsyncConnection, metadata: MetaData) -> list[Any]:
    """What alembic would change to make the database `metadata` ([]: nothing)."""

    def differences(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(
            sync, opts={"include_name": _not_the_history_table, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    return await connection.run_sync(differences)


def _not_the_history_table(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name == MIGRATIONS_TABLE)
