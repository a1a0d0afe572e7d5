"""One request's database session: one statement at a time, closed once, never torn.

An `AsyncSession` must not run two statements concurrently, yet a request's loaders
dispatch their batches concurrently (for example `User` and `Review` batches in the
same tick). `SerialSession` puts a lock around the session so that every statement of
a request goes through it in turn; resolvers that query directly use it too.

It also owns the end of the session, which cancellation makes delicate. A request is
cancelled when its client goes away or its server shuts down, and graphql-core
cancels the sibling fields of a field whose error nulls their parent. Meanwhile
aiodataloader runs each batch in a task of its own that outlives the resolvers
awaiting it. Hence:

- A statement, once started, runs to completion (`run_to_completion`); a cancelled
  caller stops waiting only when it has finished, then gets its `CancelledError`.
  Interrupting the driver mid-statement would leave the connection in an unknown
  protocol state that SQLAlchemy can only repair by invalidating (closing) it.
- `close()` refuses every later statement, waits for the one in flight, then closes
  the session (its connection goes back to the pool), to completion even if the
  closing task is cancelled. Closing while another task is inside the session is
  what raised SQLAlchemy's `IllegalStateChangeError`.
- A batch that reaches the session after `close()` fails at once with
  `SessionClosedError` instead of quietly checking out a new connection that
  nobody would ever return.
- A pool timeout (every connection busy for the pool's `timeout`) fails the rest of
  the request at once: the session remembers it, so a request with five levels of
  loaders waits for a connection once, not five times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, TypeVarTuple

from sqlalchemy import Executable, Row, Select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class SessionClosedError(RuntimeError):
    """A statement reached a `SerialSession` after its request had closed it."""


async def run_to_completion(work: Awaitable[T]) -> T:
    """Await `work` in a task of its own that a cancellation of the caller cannot abort.

    A cancellation received meanwhile is re-raised once `work` has finished (its
    result is then dropped), so the caller never returns while `work` still runs.
    """
    task = asyncio.ensure_future(work)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():  # `work` itself was cancelled, or finished as we were
                raise
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled
    return result


class SerialSession:
    """An `AsyncSession` that runs one statement at a time (per request)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._lock = asyncio.Lock()
        self._closed = False
        self._pool_timeout: str | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    async def scalars(self, statement: Select[T]) -> Sequence[T]:
        """Run a one-column (or one-entity) SELECT and return all its values."""

        async def work() -> Sequence[T]:
            return (await self.session.scalars(statement)).all()

        return await self._serially(work)

    async def rows(self, statement: Select[*Ts]) -> Sequence[Row[*Ts]]:
        """Run a SELECT and return all its rows."""

        async def work() -> Sequence[Row[*Ts]]:
            return (await self.session.execute(statement)).all()

        return await self._serially(work)

    async def execute(self, statement: Executable) -> None:
        """Run a statement whose result is not needed (INSERT, UPDATE, DELETE)."""

        async def work() -> None:
            await self.session.execute(statement)

        await self._serially(work)

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run several statements as one unit: `await db.run(place_order)`.

        `work(session)` holds the lock throughout, so no loader statement interleaves
        with it (use this for mutations: add rows, flush, commit), and it runs to
        completion even if the request is cancelled meanwhile. Inside `work`, use
        the session it receives -- calling this `SerialSession` again would deadlock.
        """
        return await self._serially(lambda: work(self.session))

    async def commit(self) -> None:
        await self._serially(self.session.commit)

    async def rollback(self) -> None:
        await self._serially(self.session.rollback)

    async def close(self) -> None:
        """Refuse further statements, let the one in flight finish, close the session.

        Idempotent. Completes even if the calling task is cancelled meanwhile (the
        cancellation is re-raised afterwards): the connection always goes back.
        """
        self._closed = True

        async def close_when_idle() -> None:
            async with self._lock:
                await self.session.close()

        await run_to_completion(close_when_idle())

    async def _serially(self, work: Callable[[], Awaitable[T]]) -> T:
        async with self._lock:
            if self._closed:
                raise SessionClosedError("the request's database session is already closed")
            if self._pool_timeout is not None:
                raise sa_exc.TimeoutError(self._pool_timeout)
            try:
                return await run_to_completion(work())
            except sa_exc.TimeoutError as error:
                self._pool_timeout = str(error)
                raise
