"""The inventory subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.domain import Domain
from subgraphs.inventory.events import DOMAIN_EVENTS
from subgraphs.inventory.migrations import MIGRATIONS
from subgraphs.inventory.models import Base
from subgraphs.inventory.schema import schema
from subgraphs.inventory.seed import seed

# Stock moves with every order: a few seconds; warehouses hardly ever change.
CACHE_HINTS = CacheHints(
    types={"Product": "public, max-age=5", "Warehouse": "public, max-age=300"},
    root_fields={"warehouses": "public, max-age=300", "warehouse": "public, max-age=300"},
)

DOMAIN = Domain(
    name="inventory",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    cache_hints=CACHE_HINTS,
    events=DOMAIN_EVENTS,
)
