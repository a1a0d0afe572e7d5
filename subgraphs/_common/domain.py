"""`Domain`: everything the common layer needs to know about one subgraph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.eventing import DomainEvents
from subgraphs._common.migrations import Migration
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.seeding import Scale

SeedFunction = Callable[[AsyncConnection, Scale], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain subgraph: its name, schema, tables, migrations and seed data.

    `seed(connection, scale)` inserts the domain's rows for `scale` into freshly
    migrated, empty tables, inside the migration's transaction. `events` (optional):
    the domain's outbox and the consumers it runs when `NATS_URL` is set.
    """

    name: str
    schema: SubgraphSchema
    metadata: MetaData
    migrations: Sequence[Migration]
    seed: SeedFunction
    events: DomainEvents | None = None
    cache_hints: CacheHints | None = None
    """The Cache-Control its answers carry (None: none, the router's default applies)."""
