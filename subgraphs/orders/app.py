"""The orders subgraph: its `Domain` and app factory."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.domain import Domain
from subgraphs.orders.migrations import MIGRATIONS
from subgraphs.orders.models import Base
from subgraphs.orders.schema import schema
from subgraphs.orders.seed import seed

DOMAIN = Domain(
    name="orders",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
)


def create_app(config: DatabaseConfig | None = None) -> Starlette:
    return create_subgraph_app(DOMAIN, config)
