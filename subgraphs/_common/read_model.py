"""Applying another domain's facts to a local read model: newest revision wins.

Events of one aggregate are published in order, but a retried event can be
applied after a later one (docs/events.md, dead letters). So a read-model row
carries the `revision` of the fact it holds, and `apply_newer` writes a fact
only when its revision is higher: one INSERT ... ON CONFLICT DO UPDATE ... WHERE
(SQLite and PostgreSQL), whatever order the facts arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def apply_newer(
    session: AsyncSession,
    model: type[Any],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    revision: int,
    insert_only: Mapping[str, Any] | None = None,
) -> bool:
    """Insert `model`'s row `key` + `values` (+ `insert_only`), or update it with
    `values` if its stored `revision` is lower. True when something was written."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = {**key, **(insert_only or {}), **values, "revision": revision}
    statement = insert(model).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=list(key),
        set_={**values, "revision": revision},
        where=model.revision < revision,
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
