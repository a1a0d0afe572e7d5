"""The loaders and the request session under cancellation, closing and hostile keys.

On SQLite and PostgreSQL, with the small library schema of test_loaders.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import QueryableAttribute

from loaders import LoaderRegistry, SerialSession, SessionClosedError, StatementCounter
from loaders.session import run_to_completion
from subgraphs._common.config import DatabaseConfig
from tests.loaders.backends import Backend
from tests.loaders.test_loaders import Author, Book, _create_library, _engine


@dataclass
class Library:
    engine: AsyncEngine
    counter: StatementCounter

    def session(self) -> SerialSession:
        return SerialSession(async_sessionmaker(self.engine)())

    @property
    def checked_out(self) -> int:
        return self.engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
async def library(backend: Backend) -> AsyncIterator[Library]:
    config = backend.prepared("library", lambda: _create_library(backend.config("library")))
    engine = _engine(config)
    try:
        yield Library(engine, StatementCounter.attach(engine, subgraph="library"))
    finally:
        await engine.dispose()


async def test_a_cancelled_resolver_does_not_cancel_a_batch_others_await(
    library: Library,
) -> None:
    """The root cause of the products subgraph's HTTP 500 (a `CancelledError`).

    Two resolvers load the same key (aiodataloader hands both the same cached future);
    graphql-core cancels one of them because a sibling field failed. The other must
    still get its value.
    """
    db = library.session()
    loader = LoaderRegistry(db).by_key(Author, Author.id)

    async def resolver() -> Author | None:
        return await loader.load(3)

    cancelled = asyncio.create_task(resolver())
    kept = asyncio.create_task(resolver())
    await asyncio.sleep(0)  # both await the batch
    cancelled.cancel()
    author = await kept
    assert author is not None and author.name == "author 3"
    assert cancelled.cancelled()
    # The cached future was not poisoned: a later load in the request gets the row too.
    again = await loader.load(3)
    assert again is author
    await db.close()
    assert library.checked_out == 0


@pytest.mark.parametrize(
    ("column", "key"),
    [
        (Author.id, 2**31),  # beyond PostgreSQL `integer`
        (Author.id, -(2**31) - 1),
        (Author.id, 10**30),  # beyond what SQLite's driver binds
        (Author.name, "author\x001"),  # NUL: PostgreSQL text cannot hold it
        (Author.name, "author \ud800"),  # an unpaired surrogate (JSON "\ud800")
        (Author.name, "x" * 51),  # longer than String(50): no row can hold it
    ],
)
async def test_keys_the_column_cannot_hold_are_missing_without_sql(
    library: Library, column: QueryableAttribute[Any], key: Any
) -> None:
    db = library.session()
    registry = LoaderRegistry(db)
    by_key = registry.by_key(Author, column)
    with library.counter.measure() as measured:
        missing, found = await asyncio.gather(
            by_key.load(key), registry.by_key(Author, Author.id).load(1)
        )
    assert missing is None
    assert found is not None and found.id == 1  # the rest of the batch is unharmed
    assert measured.statements == 1  # only the valid key's batch
    await db.close()


async def test_unstorable_keys_of_list_and_aggregate_loaders(library: Library) -> None:
    db = library.session()
    registry = LoaderRegistry(db)
    with library.counter.measure() as measured:
        books = await registry.by_foreign_key(Book, Book.author_id).load(2**40)
        count = await registry.aggregate(Book.author_id, func.count(Book.id), default=0).load(
            -(2**40)
        )
    assert (books, count, measured.statements) == ([], 0, 0)
    await db.close()


async def test_a_key_of_the_wrong_type_is_a_programming_error(library: Library) -> None:
    db = library.session()
    loader = LoaderRegistry(db).by_key(Author, Author.id)
    with pytest.raises(TypeError, match="must be an int"):
        loader.load("1")  # type: ignore[arg-type]
    await db.close()


async def test_close_waits_for_the_statement_in_flight_then_refuses_more(
    library: Library,
) -> None:
    """Closing while a batch task is inside the session raised IllegalStateChangeError."""
    db = library.session()
    loader = LoaderRegistry(db).by_key(Author, Author.id)
    pending = asyncio.ensure_future(loader.load(5))
    for _ in range(3):  # the batch task starts its statement
        await asyncio.sleep(0)
    await db.close()  # must not tear the statement; waits for it
    author = await pending
    assert author is not None and author.id == 5
    assert library.checked_out == 0
    # A batch that reaches the session after the close fails fast and checks out nothing.
    with library.counter.measure() as measured:
        with pytest.raises(SessionClosedError):
            await LoaderRegistry(db).by_key(Author, Author.id).load(6)
        with pytest.raises(SessionClosedError):
            await db.scalars(select(Author.id))
    assert measured.statements == 0
    assert library.checked_out == 0
    await db.close()  # idempotent


async def test_a_cancelled_caller_lets_its_statement_finish(library: Library) -> None:
    db = library.session()
    task = asyncio.ensure_future(db.scalars(select(Author.name).order_by(Author.id)))
    for _ in range(3):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The connection was not torn mid-statement: the session goes on working.
    assert list(await db.scalars(select(Author.id).where(Author.id == 1))) == [1]
    await db.close()
    assert library.checked_out == 0


async def test_run_to_completion_defers_cancellation_until_the_work_is_done() -> None:
    release = asyncio.Event()
    finished: list[str] = []

    async def work() -> str:
        await release.wait()
        finished.append("work")
        return "done"

    caller = asyncio.ensure_future(run_to_completion(work()))
    await asyncio.sleep(0)
    caller.cancel()
    await asyncio.sleep(0)
    caller.cancel()  # twice: still waits
    await asyncio.sleep(0)
    assert not caller.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert finished == ["work"]


async def test_a_pool_timeout_fails_the_rest_of_the_request_at_once(backend: Backend) -> None:
    """One wait for a connection per request, not one per loader level."""
    config = backend.prepared("library", lambda: _create_library(backend.config("library")))
    engine = _tiny_pool_engine(config)
    try:
        held = await engine.connect()  # the only connection
        await held.exec_driver_sql("SELECT 1")
        db = SerialSession(async_sessionmaker(engine)())
        with pytest.raises(sa_exc.TimeoutError):
            await db.scalars(select(Author.id))
        await held.close()  # a connection is free now ...
        with pytest.raises(sa_exc.TimeoutError):  # ... but this request already failed
            await LoaderRegistry(db).by_key(Author, Author.id).load(1)
        await db.close()
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        fresh = SerialSession(async_sessionmaker(engine)())  # the next request is served
        assert list(await fresh.scalars(select(Author.id).where(Author.id == 2))) == [2]
        await fresh.close()
    finally:
        await engine.dispose()


def _tiny_pool_engine(config: DatabaseConfig) -> AsyncEngine:
    """One connection, and a pool timeout short enough to wait for in a test."""
    pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.05}
    if config.schema is None:
        return create_async_engine(config.url, **pool)
    return create_async_engine(
        config.url, connect_args={"server_settings": {"search_path": config.schema}}, **pool
    )
