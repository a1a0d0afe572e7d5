"""The reviews subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.domain import Domain
from subgraphs.reviews.events import DOMAIN_EVENTS
from subgraphs.reviews.migrations import MIGRATIONS
from subgraphs.reviews.models import Base
from subgraphs.reviews.schema import schema
from subgraphs.reviews.seed import seed

DOMAIN = Domain(
    name="reviews",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    events=DOMAIN_EVENTS,
)
