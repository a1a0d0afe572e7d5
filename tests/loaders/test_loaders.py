"""The generic loaders on a small library schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Float, ForeignKey, String, cast, func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from loaders import (
    AggregateLoader,
    ForeignKeyLoader,
    KeyLoader,
    LoaderRegistry,
    SerialSession,
    StatementCounter,
)
from subgraphs._common.config import DatabaseConfig
from tests.loaders.backends import Backend

AUTHORS = 30
BOOKS_PER_AUTHOR = 5  # authors 1..25 have books; 26..30 have none


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    title: Mapped[str] = mapped_column(String(50))
    rating: Mapped[int]


def _engine(config: DatabaseConfig) -> AsyncEngine:
    if config.schema is None:
        return create_async_engine(config.url)
    return create_async_engine(
        config.url, connect_args={"server_settings": {"search_path": config.schema}}
    )


async def _create_library(config: DatabaseConfig) -> DatabaseConfig:
    engine = _engine(config)
    try:
        async with engine.begin() as connection:
            if config.schema is not None:
                await connection.execute(text(f'CREATE SCHEMA "{config.schema}"'))
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(
                insert(Author), [{"id": i, "name": f"author {i}"} for i in range(1, AUTHORS + 1)]
            )
            books = [
                {
                    "id": (author - 1) * BOOKS_PER_AUTHOR + n,
                    "author_id": author,
                    "title": f"book {author}.{n}",
                    "rating": (author + n) % 5 + 1,
                }
                for author in range(1, 26)
                for n in range(1, BOOKS_PER_AUTHOR + 1)
            ]
            await connection.execute(insert(Book), books)
    finally:
        await engine.dispose()
    return config


@dataclass
class Library:
    registry: LoaderRegistry
    session: SerialSession
    counter: StatementCounter


@pytest.fixture
async def library(backend: Backend) -> AsyncIterator[Library]:
    config = backend.prepared("library", lambda: _create_library(backend.config("library")))
    engine = _engine(config)
    counter = StatementCounter.attach(engine, subgraph="library")
    try:
        async with async_sessionmaker(engine)() as session:
            serial = SerialSession(session)
            yield Library(LoaderRegistry(serial), serial, counter)
    finally:
        await engine.dispose()


async def test_key_loader_returns_rows_in_key_order_with_none_for_missing(library: Library) -> None:
    loader = library.registry.by_key(Author, Author.id)
    with library.counter.measure() as measured:
        authors = await asyncio.gather(*(loader.load(key) for key in [3, 999, 1, 3, 2]))
    assert [a.name if a else None for a in authors] == [
        "author 3",
        None,
        "author 1",
        "author 3",
        "author 2",
    ]
    assert measured.statements == 1


async def test_key_loader_by_unique_column(library: Library) -> None:
    loader = library.registry.by_key(Author, Author.name)
    found = await loader.load_many(["author 7", "nobody"])
    assert [a.id if a else None for a in found] == [7, None]


async def test_key_loader_splits_very_large_batches(library: Library) -> None:
    loader = KeyLoader(library.session, Author, Author.id, max_keys_per_statement=4)
    with library.counter.measure() as measured:
        found = await loader.load_many(list(range(1, 11)))
    assert [a.id for a in found if a] == list(range(1, 11))
    assert measured.statements == 3  # ceil(10 / 4)


async def test_key_loader_rejects_a_column_of_another_model(library: Library) -> None:
    with pytest.raises(TypeError, match="not a column of Author"):
        KeyLoader(library.session, Author, Book.id)


async def test_foreign_key_loader_returns_lists_per_parent(library: Library) -> None:
    loader = library.registry.by_foreign_key(Book, Book.author_id, order_by=[Book.id.desc()])
    with library.counter.measure() as measured:
        lists = await loader.load_many([2, 30, 1])
    assert [[b.id for b in books] for books in lists] == [[10, 9, 8, 7, 6], [], [5, 4, 3, 2, 1]]
    assert measured.statements == 1


async def test_foreign_key_loader_first_n_per_parent_in_one_statement(library: Library) -> None:
    loader = library.registry.by_foreign_key(
        Book, Book.author_id, order_by=[Book.rating.desc()], limit=2
    )
    keys = list(range(1, AUTHORS + 1))
    with library.counter.measure() as measured:
        lists = await loader.load_many(keys)
    assert measured.statements == 1
    for author, books in zip(keys, lists, strict=True):
        expected = 0 if author > 25 else 2
        assert len(books) == expected
        assert all(book.author_id == author for book in books)
        ratings = [book.rating for book in books]
        assert ratings == sorted(ratings, reverse=True)
    assert [b.id for b in lists[0]] == [3, 2]  # author 1's ratings by id: 3, 4, 5, 1, 2


async def test_foreign_key_loader_with_a_filter_and_limit_zero(library: Library) -> None:
    good = library.registry.by_foreign_key(Book, Book.author_id, where=Book.rating >= 4)
    assert {b.rating for b in await good.load(1)} <= {4, 5}
    none = library.registry.by_foreign_key(Book, Book.author_id, limit=0)
    with library.counter.measure() as measured:
        assert await none.load(1) == []
    assert measured.statements == 0


async def test_aggregate_loader_one_group_by_per_batch(library: Library) -> None:
    counts = library.registry.aggregate(Book.author_id, func.count(Book.id), default=0)
    averages = library.registry.aggregate(
        Book.author_id, cast(func.avg(Book.rating), Float), default=None
    )
    with library.counter.measure() as measured:
        count_values, average_values = await asyncio.gather(
            counts.load_many([1, 30, 2]), averages.load_many([1, 30])
        )
    assert count_values == [5, 0, 5]
    assert average_values[1] is None
    assert isinstance(average_values[0], float)
    assert average_values[0] == pytest.approx(sum((1 + n) % 5 + 1 for n in range(1, 6)) / 5)
    assert measured.statements == 2


async def test_registry_creates_each_loader_once_per_spec(library: Library) -> None:
    registry = library.registry
    assert registry.by_key(Author, Author.id) is registry.by_key(Author, Author.id)
    assert registry.by_key(Author, Author.name) is registry.by_key(Author, Author.name)
    assert (
        len({id(registry.by_key(Author, Author.id)), id(registry.by_key(Author, Author.name))}) == 2
    )
    first_two = registry.by_foreign_key(Book, Book.author_id, limit=2)
    assert first_two is registry.by_foreign_key(Book, Book.author_id, limit=2)
    assert first_two is not registry.by_foreign_key(Book, Book.author_id, limit=3)
    ordered = registry.by_foreign_key(Book, Book.author_id, order_by=[Book.rating.desc()])
    assert ordered is not registry.by_foreign_key(Book, Book.author_id, order_by=[Book.rating])
    count = registry.aggregate(Book.author_id, func.count(Book.id), default=0)
    assert isinstance(count, AggregateLoader)
    assert isinstance(first_two, ForeignKeyLoader)


async def test_concurrent_batches_share_the_request_session(library: Library) -> None:
    """Batches of different loaders dispatch in the same tick; the session serialises them."""
    registry = library.registry
    with library.counter.measure() as measured:
        results = await asyncio.gather(
            *(registry.by_key(Author, Author.id).load(i) for i in range(1, 21)),
            *(registry.by_foreign_key(Book, Book.author_id).load(i) for i in range(1, 21)),
            *(
                registry.aggregate(Book.author_id, func.count(Book.id), default=0).load(i)
                for i in (1, 2)
            ),
        )
    assert len(results) == 42
    assert measured.statements == 3


async def test_statement_counter_is_a_prometheus_collector(library: Library) -> None:
    registry = CollectorRegistry()
    registry.register(library.counter)
    await library.registry.by_key(Author, Author.id).load(1)
    text_format = generate_latest(registry).decode()
    assert "# TYPE subgraph_sql_statements_total counter" in text_format
    assert (
        f'subgraph_sql_statements_total{{subgraph="library"}} {float(library.counter.count)}'
        in text_format
    )
    assert library.counter.count >= 1
