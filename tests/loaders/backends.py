"""Database backends for data-layer tests: the same tests on SQLite and PostgreSQL.

`BACKENDS` parametrizes a session fixture over both. The PostgreSQL variant talks to
127.0.0.1:5432 (override with `TEST_POSTGRES_URL`), database `test`; each test session
uses its own schemas (`t<random>_<name>`) and drops them at the end. When the server
is missing the PostgreSQL tests FAIL (connection refused), they never skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from subgraphs._common.config import DatabaseConfig

T = TypeVar("T")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


class Backend:
    """One backend for a test session: hands out databases and cleans them up."""

    def __init__(self, kind: str, directory: Path) -> None:
        self.kind = kind
        self.directory = directory
        self.run_id = secrets.token_hex(4)
        self._schemas: list[str] = []
        self._prepared: dict[str, object] = {}

    def config(self, name: str) -> DatabaseConfig:
        """A fresh, empty database named `name` (unique within the test session)."""
        if self.kind == "sqlite":
            return DatabaseConfig.sqlite(self.directory / f"{name}.sqlite3")
        schema = f"t{self.run_id}_{name}"
        self._schemas.append(schema)
        return DatabaseConfig.postgres(POSTGRES_URL, schema)

    def prepared(self, key: str, prepare: Callable[[], Awaitable[T]]) -> T:
        """Run `prepare()` once per session and key (in its own event loop)."""
        if key not in self._prepared:
            self._prepared[key] = run_sync(prepare)
        return self._prepared[key]  # type: ignore[return-value]

    def cleanup(self) -> None:
        if self._schemas:
            run_sync(lambda: _drop_schemas(self._schemas))


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run `factory()` to completion in a new event loop on a helper thread.

    Works from sync fixtures and from inside a running test loop alike; objects bound
    to that loop (engines, connections) must not escape it.
    """

    async def main() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _drop_schemas(schemas: list[str]) -> None:
    engine = create_async_engine(DatabaseConfig.postgres(POSTGRES_URL, "public").url)
    try:
        async with engine.begin() as connection:
            for schema in schemas:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        await engine.dispose()
