"""The inventory subgraph: its `Domain` and app factory."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.domain import Domain
from subgraphs.inventory.migrations import MIGRATIONS
from subgraphs.inventory.models import Base
from subgraphs.inventory.schema import schema
from subgraphs.inventory.seed import seed

DOMAIN = Domain(
    name="inventory",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
)


def create_app(config: DatabaseConfig | None = None) -> Starlette:
    return create_subgraph_app(DOMAIN, config)
