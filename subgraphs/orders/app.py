"""The orders subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.domain import Domain
from subgraphs.orders.events import DOMAIN_EVENTS
from subgraphs.orders.migrations import MIGRATIONS
from subgraphs.orders.models import Base
from subgraphs.orders.schema import schema
from subgraphs.orders.seed import seed

# A user's orders change under their own mutations and the order saga: never cached.
CACHE_HINTS = CacheHints()

DOMAIN = Domain(
    name="orders",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    cache_hints=CACHE_HINTS,
    events=DOMAIN_EVENTS,
)
