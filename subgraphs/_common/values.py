"""Value types shared by several subgraphs (identical everywhere, hence `@shareable`).

Federation v2 composition accepts a type defined in several subgraphs only if its
fields are shareable and compatible; importing the one definition below keeps them
identical.
"""

from __future__ import annotations

import strawberry

from subgraphs._common.seeding import CURRENCY
from subgraphs._common.tags import PARTNER


@strawberry.federation.type(
    shareable=True, tags=PARTNER, description="An amount of money in a currency."
)
class Money:
    """An amount in minor units (cents) of an ISO 4217 currency."""

    amount: int = strawberry.field(description="In minor units of the currency (cents).")
    currency: str = strawberry.field(default=CURRENCY, description="ISO 4217 code, e.g. USD.")
