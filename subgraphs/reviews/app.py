"""The reviews subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.domain import Domain
from subgraphs.reviews.events import DOMAIN_EVENTS
from subgraphs.reviews.migrations import MIGRATIONS
from subgraphs.reviews.models import Base
from subgraphs.reviews.schema import schema
from subgraphs.reviews.seed import seed

# Reviews arrive at any time and no event says so: half a minute.
CACHE_HINTS = CacheHints(
    types={
        "Product": "public, max-age=30",
        "Review": "public, max-age=30",
        "User": "public, max-age=30",
    },
    root_fields={"review": "public, max-age=30", "latestReviews": "public, max-age=10"},
)

DOMAIN = Domain(
    name="reviews",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    cache_hints=CACHE_HINTS,
    events=DOMAIN_EVENTS,
)
