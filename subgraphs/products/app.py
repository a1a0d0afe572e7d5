"""The products subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.domain import Domain
from subgraphs.products.events import DOMAIN_EVENTS
from subgraphs.products.migrations import MIGRATIONS
from subgraphs.products.models import Base
from subgraphs.products.schema import schema
from subgraphs.products.seed import seed

DOMAIN = Domain(
    name="products",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    events=DOMAIN_EVENTS,
)
