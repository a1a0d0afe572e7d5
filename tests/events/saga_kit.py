"""Running domains with their events in process, for the saga tests.

`running(backend, streams, names, scale)` migrates and seeds one database per
domain, starts its `EventsRuntime` (relay and consumers, as the subgraph app does
when NATS_URL is set) and yields the `Side`s; `Side.execute` runs an operation
with events on, as a signed-in user (optionally with scopes).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select
from strawberry.types import ExecutionResult

from auth import Claims
from events import EventsConfig, Streams
from subgraphs import registry
from subgraphs._common.context import SubgraphContext
from subgraphs._common.database import Database
from subgraphs._common.domain import Domain
from subgraphs._common.eventing import EventsRuntime
from subgraphs._common.seeding import Scale
from subgraphs.inventory.models import StockRow
from tests.events.conftest import NATS_URL
from tests.loaders.backends import Backend

_runs = itertools.count(1)


class Side:
    """One domain of the saga: its database and its events runtime."""

    def __init__(self, domain: Domain, database: Database, runtime: EventsRuntime) -> None:
        self.domain = domain
        self.database = database
        self.runtime = runtime

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        user_id: int | None = None,
        scopes: Sequence[str] = (),
    ) -> ExecutionResult:
        async with self.database.request_session() as db:
            subject = None if user_id is None else str(user_id)
            claims = Claims(subject=subject, scopes=frozenset(scopes)) if scopes else None
            context = SubgraphContext.create(db, user_id=user_id, claims=claims)
            context.events_enabled = True
            return await self.domain.schema.execute(
                query, variable_values=variables, context_value=context
            )

    async def data(self, query: str, variables: dict[str, Any] | None = None, **who: Any) -> Any:
        result = await self.execute(query, variables, **who)
        assert result.errors is None, result.errors
        return result.data


@asynccontextmanager
async def running(
    backend: Backend,
    streams: Streams,
    names: Sequence[str],
    scale: Scale,
    *,
    nats_url: str = NATS_URL,
) -> AsyncIterator[dict[str, Side]]:
    config = EventsConfig(servers=(nats_url,), streams=streams)
    sides: dict[str, Side] = {}
    run = next(_runs)
    try:
        for name in names:
            domain = registry.get(name).load()
            database = Database(name, backend.config(f"saga_{name}_{run}"))
            await database.prepare(domain, seed_scale=scale)
            assert domain.events is not None
            runtime = EventsRuntime(name, domain.events, config, database.engine)
            sides[name] = Side(domain, database, runtime)
            await runtime.start()
        yield sides
    finally:
        for side in sides.values():
            await side.runtime.stop()
            await side.database.dispose()


async def until(condition: Callable[[], Awaitable[bool]], what: str, *, tries: int = 1200) -> None:
    """Wait for `condition` (a deadline against hangs, not a timing assertion)."""
    for _ in range(tries):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def stock_by_product(inventory: Database) -> dict[str, int]:
    async with inventory.session() as session:
        rows = await session.execute(
            select(StockRow.product_upc, func.sum(StockRow.quantity)).group_by(StockRow.product_upc)
        )
        return {upc: int(total) for upc, total in rows}
