"""Database URLs as users write them, as SQLAlchemy's asyncio engines want them, and
opening one with its tables (the registry's and the usage store's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class StoreError(Exception):
    """A database that cannot be opened or asked (commands exit 2 on it: a store that is
    down is not a verdict on a schema)."""


class DsnError(StoreError, ValueError):
    """Not a database URL this project can open."""


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Turn the driver's failures inside (refused connection, unknown database, a
    directory that is not there) into one StoreError naming `what` ("usage store")."""
    try:
        yield
    except DsnError:
        raise
    except StoreError as error:
        raise StoreError(f"{what}: {error}") from None
    except DBAPIError as error:
        # The driver's own message, without the SQL and SQLAlchemy's link.
        raise StoreError(f"{what}: {type(error.orig).__name__}: {error.orig}") from None
    except (OSError, SQLAlchemyError) as error:
        raise StoreError(f"{what}: {type(error).__name__}: {error}") from None


def engine_url(dsn: str) -> str:
    """`sqlite:///path` or `postgresql://...` as SQLAlchemy's asyncio URL."""
    if dsn.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + dsn.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+asyncpg://" + dsn.removeprefix(prefix)
    if dsn.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        return dsn
    raise DsnError(f"expected sqlite:///PATH or postgresql://..., not {redacted(dsn)!r}")


def redacted(dsn: str) -> str:
    """`dsn` with its password hidden (`***`), for messages: a DSN the router refuses may
    still be a real one with a typo in its scheme."""
    # The password runs from the user's `:` to the netloc's last `@` (it may hold `@`).
    return re.sub(r"(://[^/@:]*:)[^/]*@", r"\1***@", dsn)


CREATE_ATTEMPTS = 3
"""Another process may create the same tables at the same moment (two routers starting,
`supergraph usage` beside a router's first flush): each looks, finds none, and the
second CREATE fails ("already exists"). Looking again then finds them."""


async def open_engine(dsn: str, metadata: MetaData) -> AsyncEngine:
    """An engine on `dsn` with `metadata`'s tables created (if they are not there)."""
    url = engine_url(dsn)
    if url.startswith("sqlite+aiosqlite:///"):
        directory = Path(url.removeprefix("sqlite+aiosqlite:///")).parent
        if not directory.is_dir():
            # Said before aiosqlite starts its thread: after a failed connect that thread
            # may still post to a loop asyncio.run has closed (a stray traceback).
            raise StoreError(f"{dsn}: no directory {directory}")
    engine = create_async_engine(url)
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
