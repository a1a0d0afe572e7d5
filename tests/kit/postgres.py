"""A PostgreSQL database of a test's own, created empty and dropped afterwards.

Governance's stores (usage counts, registry versions) keep their tables in the
database the DSN names; a database per test (module) lets a test assert on
everything a store holds, with no other run's rows beside it. The server is
127.0.0.1:5432 (override with `TEST_POSTGRES_URL`); when it is missing the
tests fail, they never skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _execute(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The DSN of a new, empty database named `<prefix>_<random>`."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
