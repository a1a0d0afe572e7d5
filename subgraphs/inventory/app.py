"""The inventory subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.domain import Domain
from subgraphs.inventory.events import DOMAIN_EVENTS
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
    events=DOMAIN_EVENTS,
)
