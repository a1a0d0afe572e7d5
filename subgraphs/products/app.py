"""The products subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.domain import Domain
from subgraphs.products.events import DOMAIN_EVENTS
from subgraphs.products.migrations import MIGRATIONS
from subgraphs.products.models import Base
from subgraphs.products.schema import schema
from subgraphs.products.seed import seed

# Catalogue data changes rarely, and every change is an event the router's cache
# listens to (docs/entity-cache.md): a minute is safe.
CACHE_HINTS = CacheHints(
    types={"Product": "public, max-age=60", "Category": "public, max-age=300"},
    root_fields={
        "product": "public, max-age=60",
        "productById": "public, max-age=60",
        "products": "public, max-age=60",
        "category": "public, max-age=300",
        "categories": "public, max-age=300",
        "search": "public, max-age=30",
    },
)

DOMAIN = Domain(
    name="products",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    cache_hints=CACHE_HINTS,
    events=DOMAIN_EVENTS,
)
