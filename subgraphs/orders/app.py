"""The orders subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.domain import Domain
from subgraphs.orders.events import DOMAIN_EVENTS
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
    events=DOMAIN_EVENTS,
)
