"""Fixtures for domain subgraph tests, parametrized over SQLite and PostgreSQL.

    async def test_something(subgraph: SubgraphFactory) -> None:
        accounts = await subgraph("accounts")          # seeded at TEST_SCALE, shared
        result = await accounts.execute("{ user(id: 1) { username } }")

`subgraph(name)` returns a `Harness` over a database migrated and seeded once per
test session and backend (read-only tests share it); `subgraph(name, fresh=True)`
gives a new, freshly seeded database for tests that write. Every test using these
fixtures runs twice: `[sqlite]` and `[postgres]`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator
from itertools import count
from typing import Any, Protocol

import pytest
from strawberry.types import ExecutionResult

from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import SubgraphContext
from subgraphs._common.database import Database
from subgraphs._common.domain import Domain
from subgraphs._common.seeding import Scale
from tests.loaders.backends import BACKENDS, Backend

# Big enough for the batching tests (500 users, 250 products), small enough to seed fast.
TEST_SCALE = Scale(25)


class Harness:
    """One subgraph's schema over a test database, executed in process."""

    def __init__(self, domain: Domain, database: Database) -> None:
        self.domain = domain
        self.database = database

    @property
    def statements(self) -> int:
        """SQL statements sent so far through this harness's engine."""
        return self.database.counter.count

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user_id: int | None = None,
    ) -> ExecutionResult:
        """Run `query` with a fresh per-request context, as `POST /graphql` would."""
        async with self.database.request_session() as db:
            context = SubgraphContext.create(db, user_id=user_id)
            return await self.domain.schema.execute(
                query, variable_values=variables, context_value=context
            )

    async def entities(self, representations: list[Any], selection: str) -> ExecutionResult:
        """`_entities(representations: $r) { <selection> }`."""
        query = (
            "query($r: [_Any!]!) { _entities(representations: $r) { __typename "
            + selection
            + " } }"
        )
        return await self.execute(query, {"r": representations})


class SubgraphFactory(Protocol):
    def __call__(
        self, name: str, *, scale: Scale = TEST_SCALE, fresh: bool = False
    ) -> Awaitable[Harness]: ...


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    instance = Backend(request.param, tmp_path_factory.mktemp(f"subgraphs-{request.param}"))
    yield instance
    instance.cleanup()


async def prepare_database(name: str, config: DatabaseConfig, scale: Scale) -> DatabaseConfig:
    """Migrate and seed a new database for domain `name` (in its own event loop)."""
    database = Database(name, config)
    try:
        await database.prepare(registry.get(name).load(), seed_scale=scale)
    finally:
        await database.dispose()
    return config


_fresh_ids = count(1)


@pytest.fixture
async def subgraph(backend: Backend) -> AsyncIterator[SubgraphFactory]:
    databases: list[Database] = []

    async def factory(name: str, *, scale: Scale = TEST_SCALE, fresh: bool = False) -> Harness:
        label = f"{name}_s{scale.n}" + (f"_f{next(_fresh_ids)}" if fresh else "")

        def prepare() -> Awaitable[DatabaseConfig]:
            return prepare_database(name, backend.config(label), scale)

        config = backend.prepared(label, prepare)
        database = Database(name, config)
        databases.append(database)
        return Harness(registry.get(name).load(), database)

    yield factory
    for database in databases:
        await database.dispose()
