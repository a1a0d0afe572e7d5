"""Database URLs as users write them, as SQLAlchemy's asyncio engines want them, and
opening one with its tables (the registry's and the usage store's)."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class DsnError(ValueError):
    """Not a database URL this project can open."""


def engine_url(dsn: str) -> str:
    """`sqlite:///path` or `postgresql://...` as SQLAlchemy's asyncio URL."""
    if dsn.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + dsn.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+asyncpg://" + dsn.removeprefix(prefix)
    if dsn.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        return dsn
    raise DsnError(f"expected sqlite:///PATH or postgresql://..., not {dsn!r}")


CREATE_ATTEMPTS = 3
"""Another process may create the same tables at the same moment (two routers starting,
`supergraph usage` beside a router's first flush): each looks, finds none, and the
second CREATE fails ("already exists"). Looking again then finds them."""


async def open_engine(dsn: str, metadata: MetaData) -> AsyncEngine:
    """An engine on `dsn` with `metadata`'s tables created (if they are not there)."""
    engine = create_async_engine(engine_url(dsn))
    try:
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                async with engine.begin() as connection:
                    await connection.run_sync(metadata.create_all)
                break
            except DBAPIError:
                if attempt == CREATE_ATTEMPTS:
                    raise
    except BaseException:
        await engine.dispose()
        raise
    return engine
