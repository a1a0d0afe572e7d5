"""The accounts subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.cache_control import CacheHints
from subgraphs._common.domain import Domain
from subgraphs.accounts.migrations import MIGRATIONS
from subgraphs.accounts.models import Base
from subgraphs.accounts.schema import schema
from subgraphs.accounts.seed import seed

# A user's email is theirs: private, cached per caller only.
CACHE_HINTS = CacheHints(
    types={"User": "private, max-age=60"},
    root_fields={
        "me": "private, max-age=60",
        "user": "private, max-age=60",
        "users": "private, max-age=60",
    },
)

DOMAIN = Domain(
    name="accounts",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
    cache_hints=CACHE_HINTS,
)
