"""The common subgraph layer: schema, `_entities`, errors, migrations, seeding, config."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import strawberry
from aiodataloader import DataLoader
from alembic.operations import Operations
from sqlalchemy import MetaData, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from loaders import SerialSession
from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.database import Database
from subgraphs._common.migrations import (
    Migration,
    MigrationError,
    check_sequence,
    migrate,
)
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.seeding import Scale, at, product_id_for_upc, product_upc
from subgraphs._common.sqltypes import UTCDateTime
from subgraphs.accounts.models import UserRow
from tests.loaders.backends import Backend
from tests.subgraphs.conftest import SubgraphFactory, prepare_database
from tests.subgraphs.schema_check import schema_differences

DOMAINS = list(registry.DOMAINS)


# -- a second, unrelated schema in the same process ------------------------------------


@strawberry.federation.type(keys=["sku"])
class Widget:
    sku: str
    size: int

    @classmethod
    def resolve_reference(cls, sku: str, size: int = 1) -> Widget:
        return cls(sku=sku, size=size)


class Doubler:
    """A context with a loader that records its batches."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.loader = DataLoader[int, int](self._double)

    async def _double(self, keys: list[int]) -> list[int]:
        self.batches.append(list(keys))
        return [key * 2 for key in keys]


@strawberry.federation.type(keys=["code", "name"])
class Gadget:
    code: int
    name: str | None = None

    @classmethod
    async def resolve_reference(
        cls, info: Info[Any, None], code: int | None = None, name: str | None = None, **rest: Any
    ) -> Gadget:
        if rest:
            raise ValueError(f"secret internals {rest}")
        if isinstance(info.context, Doubler) and code is not None:
            await info.context.loader.load(code)
        return cls(code=code or 0, name=name)

    @strawberry.field
    async def double(self, info: Info[Doubler, None]) -> int:
        return await info.context.loader.load(self.code + 1000)


@strawberry.type
class WidgetQuery:
    @strawberry.field
    def boom(self) -> int | None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    @strawberry.field
    def gadget(self) -> Gadget:
        return Gadget(code=1)

    @strawberry.field
    def widget(self) -> Widget:
        return Widget(sku="a", size=2)


widgets = SubgraphSchema(query=WidgetQuery)


async def test_two_subgraph_schemas_coexist_in_one_process() -> None:
    accounts = registry.get("accounts").load().schema
    result = await widgets.execute(
        'query { _entities(representations: [{__typename: "Widget", sku: "x", size: 3},'
        ' {__typename: "Gadget", code: "12"}, {__typename: "User", id: "1"}])'
        " { ... on Widget { sku size } ... on Gadget { code } } }"
    )
    assert result.data == {"_entities": [{"sku": "x", "size": 3}, {"code": 12}, None]}
    assert result.errors is not None
    assert "'User' is not an entity type" in result.errors[0].message
    assert "union _Entity = Gadget | Widget" in widgets.as_str()
    assert "union _Entity = User" in accounts.as_str()


async def test_unexpected_errors_are_masked_and_deliberate_ones_kept() -> None:
    result = await widgets.execute(
        '{ boom _entities(representations: [{__typename: "Gadget", code: 1, extra: true}])'
        " { __typename } }"
    )
    assert result.errors is not None
    messages = {tuple(e.path or ()): (e.message, e.extensions) for e in result.errors}
    internal = ("Internal server error", {"code": "INTERNAL_SERVER_ERROR"})
    assert messages == {("boom",): internal, ("_entities", 0): internal}


async def test_resolve_reference_receives_coerced_keys_and_optional_fields() -> None:
    result = await widgets.execute(
        'query { _entities(representations: [{__typename: "Widget", sku: 7},'
        ' {__typename: "Widget", sku: false}]) { ... on Widget { sku size } } }'
    )
    assert result.data == {"_entities": [{"sku": "7", "size": 1}, None]}
    assert result.errors is not None
    assert "expected a string, got False" in result.errors[0].message


async def test_entity_lookups_and_their_fields_batch_across_representations() -> None:
    doubler = Doubler()
    representations = [{"__typename": "Gadget", "code": str(i)} for i in range(50)]
    result = await widgets.execute(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Gadget { code double } } }",
        variable_values={"r": representations},
        context_value=doubler,
    )
    assert result.errors is None
    assert result.data == {"_entities": [{"code": i, "double": 2 * (i + 1000)} for i in range(50)]}
    assert doubler.batches == [list(range(50)), [i + 1000 for i in range(50)]]


async def test_optional_keys_accept_either_key() -> None:
    result = await widgets.execute(
        'query { _entities(representations: [{__typename: "Gadget", name: "n"},'
        ' {__typename: "Gadget", code: null, name: 5}, {__typename: "Gadget", code: 1.5}])'
        " { ... on Gadget { code name } } }"
    )
    assert result.data == {"_entities": [{"code": 0, "name": "n"}, {"code": 0, "name": "5"}, None]}
    assert result.errors is not None
    assert "expected an integer, got 1.5" in result.errors[0].message


# -- migrations ----------------------------------------------------------------------


@pytest.mark.parametrize("name", DOMAINS)
async def test_migrations_match_the_models(backend: Backend, name: str) -> None:
    domain = registry.get(name).load()
    config = backend.config(f"compare_{name}")
    database = Database(name, config)
    try:
        report = await database.prepare(domain, seed_scale=None)
        assert report.was_empty
        assert report.applied == tuple(m.version for m in domain.migrations)
        async with database.engine.connect() as connection:
            assert await schema_differences(connection, domain.metadata) == []
            for table in domain.metadata.sorted_tables:
                count = await connection.scalar(select(text("count(*)")).select_from(table))
                assert count == 0, f"{table.name} seeded although seed_scale=None"

        again = await database.prepare(domain, seed_scale=Scale(1))
        assert again.applied == ()
        assert not again.was_empty
    finally:
        await database.reset()
        await database.dispose()


async def _table_contents(config: DatabaseConfig, name: str) -> dict[str, list[Any]]:
    database = Database(name, config)
    metadata: MetaData = registry.get(name).load().metadata
    try:
        async with database.engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in await connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in metadata.sorted_tables
            }
    finally:
        await database.dispose()


EVENT_FLOW_TABLES = {"event_outbox", "processed_events", "reservations"}


@pytest.mark.parametrize("name", DOMAINS)
async def test_seeding_is_deterministic(backend: Backend, name: str) -> None:
    scale = Scale(2)
    first = await prepare_database(name, backend.config(f"seed_a_{name}"), scale)
    second = await prepare_database(name, backend.config(f"seed_b_{name}"), scale)
    contents = await _table_contents(first, name)
    assert contents == await _table_contents(second, name)
    # Tables only the event flow fills (docs/events.md) start empty by design.
    seeded = {table: rows for table, rows in contents.items() if table not in EVENT_FLOW_TABLES}
    assert all(seeded.values()), "every table of the domain gets rows"
    if name == "accounts":
        assert len(contents["users"]) == scale.users


def _create_things(op: Operations) -> None:
    op.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")


async def test_migration_history_must_match_the_code(backend: Backend) -> None:
    database = Database("history", backend.config("history"))
    v1 = [Migration(1, "create things", _create_things)]

    def run(migrations: list[Migration]) -> Any:
        async def go() -> Any:
            async with database.engine.begin() as connection:
                if database.config.schema:
                    await connection.execute(
                        text(f'CREATE SCHEMA IF NOT EXISTS "{database.config.schema}"')
                    )
                return await connection.run_sync(migrate, migrations)

        return go()

    try:
        assert (await run(v1)).applied == (1,)
        assert (await run(v1)).applied == ()
        with pytest.raises(MigrationError, match="where the code has 1 'renamed'"):
            await run([Migration(1, "renamed", _create_things)])
        with pytest.raises(MigrationError, match="newer than the code"):
            await run([])
    finally:
        await database.reset()
        await database.dispose()


def test_migration_versions_must_be_contiguous() -> None:
    check_sequence([Migration(1, "a", _create_things), Migration(2, "b", _create_things)])
    with pytest.raises(MigrationError, match=r"1\.\.N in order, got \[1, 3\]"):
        check_sequence([Migration(1, "a", _create_things), Migration(3, "c", _create_things)])


# -- seeding sizes, facts, config, types ----------------------------------------------


def test_scale_sizes() -> None:
    assert Scale(100).reviews >= 10_000
    assert (Scale(1).users, Scale(1).products, Scale(1).reviews) == (20, 10, 120)
    with pytest.raises(ValueError, match="scale must be between"):
        Scale(0)
    assert Scale(3).rng("x").random() == Scale(3).rng("x").random()
    assert product_id_for_upc(product_upc(42)) == 42
    assert product_id_for_upc("nope") is None


def test_database_config_from_env(tmp_path: Path) -> None:
    sqlite = DatabaseConfig.from_env("accounts", {"SUBGRAPHS_DATA_DIR": str(tmp_path)})
    assert sqlite == DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path}/accounts.sqlite3")
    assert (
        DatabaseConfig.from_env("accounts", {}).url == "sqlite+aiosqlite:///data/accounts.sqlite3"
    )
    postgres = DatabaseConfig.from_env(
        "orders",
        {"DATABASE_URL": "postgresql://u:secret@db:5432/app", "SUBGRAPHS_SCHEMA_PREFIX": "ci_"},
    )
    assert postgres.url == "postgresql+asyncpg://u:secret@db:5432/app"
    assert postgres.schema == "ci_orders"
    assert "secret" not in postgres.describe()
    with pytest.raises(ValueError, match="postgresql:// URL"):
        DatabaseConfig.from_env("x", {"DATABASE_URL": "mysql://db"})
    with pytest.raises(ValueError, match="invalid PostgreSQL schema"):
        DatabaseConfig.postgres("postgresql://db/app", 'x"; DROP')


def test_utc_datetime_rejects_naive_values() -> None:
    from sqlalchemy.dialects import sqlite

    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 1), sqlite.dialect())


async def test_new_rows_get_ids_after_the_seeded_ones(subgraph: SubgraphFactory) -> None:
    accounts = await subgraph("accounts", scale=Scale(1), fresh=True)

    async def add_user(session: AsyncSession) -> int:
        row = UserRow(username="new", name="New", email="new@example.com", created_at=at())
        session.add(row)
        await session.commit()
        return row.id

    async with accounts.database.session() as session:
        assert await SerialSession(session).run(add_user) == Scale(1).users + 1


@strawberry.federation.type(keys=["id"])
class Orphan:
    id: int


@strawberry.type
class OrphanQuery:
    orphan: Orphan | None = None


def test_an_entity_without_resolve_reference_fails_at_schema_build() -> None:
    # (module-level classes: with postponed annotations Strawberry cannot resolve
    # types defined inside a function)
    with pytest.raises(TypeError, match="entity type Orphan needs a resolve_reference"):
        SubgraphSchema(query=OrphanQuery)
