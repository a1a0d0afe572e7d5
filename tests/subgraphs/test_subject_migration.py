"""Migration 4 of orders and reviews: integer owner ids become subject strings.

A database created before it (owners stored as integers) is migrated with every row
kept: the ids become their decimal text, the subject the router signs for that user,
so each owner still sees their own rows; the migrated schema equals the models.
Both backends (`backend` runs each test on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Integer, Table, insert, inspect, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import TableClause

from auth import Claims
from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import SubgraphContext
from subgraphs._common.database import Database
from subgraphs._common.domain import Domain
from subgraphs._common.migrations import Migration, migrate
from subgraphs._common.seeding import Scale
from subgraphs.orders.models import OrderItemRow, OrderRow
from subgraphs.reviews.models import ReviewRow
from tests.loaders.backends import Backend
from tests.subgraphs.schema_check import schema_differences

PLACED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _order(order_id: int, user_id: int) -> dict[str, Any]:
    return {
        "id": order_id,
        "user_id": user_id,
        "idempotency_key": f"k{order_id}",
        "request_hash": "0" * 64,
        "status": "PLACED",
        "total_amount": 100 * order_id,
        "currency": "USD",
        "placed_at": PLACED + timedelta(minutes=order_id),
    }


def _review(review_id: int, author_id: int) -> dict[str, Any]:
    return {
        "id": review_id,
        "product_upc": "000000000001",
        "author_id": author_id,
        "author_username": f"user{author_id}",
        "body": f"review {review_id}",
        "rating": 1 + review_id % 5,
        "created_at": PLACED + timedelta(minutes=review_id),
    }


def before_subjects(table: Table, owner: str) -> TableClause:
    """`table` as migration 3 left it: its `owner` column an integer."""
    return sa_table(
        table.name,
        *(sa_column(c.name, Integer() if c.name == owner else c.type) for c in table.columns),
    )


async def _at_version_3(
    database: Database, domain: Domain, rows: dict[TableClause, list[dict[str, Any]]]
) -> None:
    """The database as the code before migration 4 left it, holding `rows`."""
    async with database.engine.begin() as connection:
        if database.config.schema:
            await connection.execute(
                text(f'CREATE SCHEMA IF NOT EXISTS "{database.config.schema}"')
            )
        report = await connection.run_sync(migrate, domain.migrations[:3])
        assert report.applied == (1, 2, 3)
        for table, values in rows.items():
            await connection.execute(insert(table), values)


async def _migrate_and_compare(database: Database, domain: Domain) -> None:
    report = await database.prepare(domain, seed_scale=Scale(1))
    assert (report.previous_version, report.applied) == (3, (4,))
    async with database.engine.connect() as connection:
        assert await schema_differences(connection, domain.metadata) == []


OWNERS = [7, 42, 7, 2_000_000_000]


async def test_orders_keep_every_row_and_owner(backend: Backend) -> None:
    domain = registry.get("orders").load()
    database = Database("orders", backend.config("subject_mig_orders"))
    orders = [_order(n, owner) for n, owner in enumerate(OWNERS, start=1)]
    items = [
        {
            "id": n,
            "order_id": n,
            "product_upc": "000000000001",
            "quantity": n,
            "unit_price_amount": 100,
        }
        for n in range(1, len(OWNERS) + 1)
    ]
    try:
        await _at_version_3(
            database,
            domain,
            {before_subjects(OrderRow.__table__, "user_id"): orders, OrderItemRow.__table__: items},
        )
        await _migrate_and_compare(database, domain)
        async with database.engine.connect() as connection:
            stored = (
                await connection.execute(
                    select(OrderRow.id, OrderRow.user_id, OrderRow.total_amount).order_by(
                        OrderRow.id
                    )
                )
            ).all()
            assert [tuple(row) for row in stored] == [
                (n, str(owner), 100 * n) for n, owner in enumerate(OWNERS, start=1)
            ]
            kept_items = await connection.scalar(select(text("count(*)")).select_from(OrderItemRow))
            assert kept_items == len(OWNERS)
        # The unique (user, idempotency key) constraint survived the conversion.
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(
                    insert(OrderRow),
                    [{**_order(99, 0), "user_id": "7", "idempotency_key": "k1"}],
                )

        async with database.request_session() as db:
            query = "{ order(id: 1) { id user { id orders { id } } } }"
            owner = await domain.schema.execute(
                query, context_value=SubgraphContext.create(db, claims=Claims(subject="7"))
            )
        assert owner.errors is None
        assert owner.data == {
            "order": {"id": "1", "user": {"id": "7", "orders": [{"id": "3"}, {"id": "1"}]}}
        }
        async with database.request_session() as db:
            other = await domain.schema.execute(
                query, context_value=SubgraphContext.create(db, claims=Claims(subject="42"))
            )
        assert other.errors is not None
        assert other.errors[0].extensions == {"code": "FORBIDDEN"}
    finally:
        await database.reset()
        await database.dispose()


async def test_reviews_keep_every_row_and_author(backend: Backend) -> None:
    domain = registry.get("reviews").load()
    database = Database("reviews", backend.config("subject_mig_reviews"))
    try:
        await _at_version_3(
            database,
            domain,
            {
                before_subjects(ReviewRow.__table__, "author_id"): [
                    _review(n, owner) for n, owner in enumerate(OWNERS, start=1)
                ]
            },
        )
        await _migrate_and_compare(database, domain)
        async with database.engine.connect() as connection:
            stored = (
                await connection.execute(
                    select(ReviewRow.id, ReviewRow.author_id, ReviewRow.body).order_by(ReviewRow.id)
                )
            ).all()
            assert [tuple(row) for row in stored] == [
                (n, str(owner), f"review {n}") for n, owner in enumerate(OWNERS, start=1)
            ]
        # The copied table (SQLite) kept its CHECK constraint.
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(
                    insert(ReviewRow), [{**_review(99, 0), "author_id": "x", "rating": 9}]
                )

        async with database.request_session() as db:
            result = await domain.schema.execute(
                "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { reviews { id } } } }",
                variable_values={"r": [{"__typename": "User", "id": "7"}]},
                context_value=SubgraphContext.create(db),
            )
        assert result.errors is None
        assert result.data == {"_entities": [{"reviews": [{"id": "3"}, {"id": "1"}]}]}
    finally:
        await database.reset()
        await database.dispose()


class _FailedAfterTheCopy(RuntimeError):
    pass


async def test_a_migration_failing_after_the_table_copy_leaves_nothing_behind(
    backend: Backend,
) -> None:
    # The process failing mid-migration (on SQLite after batch mode created
    # _alembic_tmp_orders): the next start migrates as if it never happened.
    domain = registry.get("orders").load()
    database = Database("orders", backend.config("subject_mig_failed"))
    orders = [_order(n, owner) for n, owner in enumerate(OWNERS, start=1)]
    subjects = domain.migrations[3]

    def copied_then_failed(op: Any) -> None:
        subjects.upgrade(op)
        raise _FailedAfterTheCopy

    failing = dataclasses.replace(
        domain,
        migrations=[*domain.migrations[:3], Migration(4, subjects.name, copied_then_failed)],
    )
    try:
        await _at_version_3(
            database, domain, {before_subjects(OrderRow.__table__, "user_id"): orders}
        )
        with pytest.raises(_FailedAfterTheCopy):
            await database.prepare(failing, seed_scale=Scale(1))

        def tables(connection: Connection) -> list[str]:
            return inspect(connection).get_table_names()

        async with database.engine.connect() as connection:
            assert "_alembic_tmp_orders" not in await connection.run_sync(tables)
        await _migrate_and_compare(database, domain)
        async with database.engine.connect() as connection:
            stored = (
                await connection.execute(
                    select(OrderRow.id, OrderRow.user_id).order_by(OrderRow.id)
                )
            ).all()
        assert [tuple(row) for row in stored] == [
            (n, str(owner)) for n, owner in enumerate(OWNERS, start=1)
        ]
    finally:
        await database.reset()
        await database.dispose()


async def test_a_copy_left_by_an_earlier_failed_attempt_is_dropped(tmp_path: Path) -> None:
    # An SQLite database where an attempt from before the fix left its empty copy.
    domain = registry.get("orders").load()
    database = Database("orders", DatabaseConfig.sqlite(tmp_path / "orders.sqlite3"))
    orders = [_order(n, owner) for n, owner in enumerate(OWNERS, start=1)]
    try:
        await _at_version_3(
            database, domain, {before_subjects(OrderRow.__table__, "user_id"): orders}
        )
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE _alembic_tmp_orders (id INTEGER)")
        await _migrate_and_compare(database, domain)
        async with database.engine.connect() as connection:
            kept = await connection.scalar(select(text("count(*)")).select_from(OrderRow))
        assert kept == len(OWNERS)
    finally:
        await database.dispose()
