"""The accounts subgraph: its `Domain` (the registry builds the app)."""

from __future__ import annotations

from subgraphs._common.domain import Domain
from subgraphs.accounts.migrations import MIGRATIONS
from subgraphs.accounts.models import Base
from subgraphs.accounts.schema import schema
from subgraphs.accounts.seed import seed

DOMAIN = Domain(
    name="accounts",
    schema=schema,
    metadata=Base.metadata,
    migrations=MIGRATIONS,
    seed=seed,
)
