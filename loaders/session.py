"""One request's database session, shared by its loaders one statement at a time.

An `AsyncSession` must not run two statements concurrently, yet a request's loaders
dispatch their batches concurrently (for example `User` and `Review` batches in the
same tick). `SerialSession` puts a lock around the session so that every statement of
a request goes through it in turn; resolvers that query directly use it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, TypeVarTuple

from sqlalchemy import Executable, Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class SerialSession:
    """An `AsyncSession` that runs one statement at a time (per request)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._lock = asyncio.Lock()

    async def scalars(self, statement: Select[T]) -> Sequence[T]:
        """Run a one-column (or one-entity) SELECT and return all its values."""
        async with self._lock:
            result = await self.session.scalars(statement)
            return result.all()

    async def rows(self, statement: Select[*Ts]) -> Sequence[Row[*Ts]]:
        """Run a SELECT and return all its rows."""
        async with self._lock:
            result = await self.session.execute(statement)
            return result.all()

    async def execute(self, statement: Executable) -> None:
        """Run a statement whose result is not needed (INSERT, UPDATE, DELETE)."""
        async with self._lock:
            await self.session.execute(statement)

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run several statements as one unit: `await db.run(place_order)`.

        `work(session)` holds the lock throughout, so no loader statement interleaves
        with it (use this for mutations: add rows, flush, commit). Inside `work`, use
        the session it receives -- calling this `SerialSession` again would deadlock.
        """
        async with self._lock:
            return await work(self.session)

    async def commit(self) -> None:
        async with self._lock:
            await self.session.commit()

    async def rollback(self) -> None:
        async with self._lock:
            await self.session.rollback()
