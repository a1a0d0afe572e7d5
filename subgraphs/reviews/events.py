"""reviews' read model of the catalogue, fed by products' events.

`ProductCreated` / `ProductUpdated` make a product known, `ProductDiscontinued`
marks it discontinued; each applies only if newer than what `known_products`
holds (`read_model.apply_newer`), so order and repetition do not matter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from subgraphs._common.event_types import REGISTRY, ProductDiscontinued, ProductFacts
from subgraphs._common.eventing import DomainEvents, Subscription
from subgraphs._common.read_model import apply_newer
from subgraphs.reviews.models import EVENTS, OUTBOX, KnownProductRow


async def on_product_facts(session: AsyncSession, event: Event[Any]) -> None:
    facts: ProductFacts = event.payload
    await apply_newer(
        session, KnownProductRow, {"product_upc": facts.upc}, {}, revision=facts.revision
    )


async def on_product_discontinued(session: AsyncSession, event: Event[Any]) -> None:
    gone: ProductDiscontinued = event.payload
    await apply_newer(
        session,
        KnownProductRow,
        {"product_upc": gone.upc},
        {"discontinued": True},
        revision=gone.revision,
    )


DOMAIN_EVENTS = DomainEvents(
    tables=EVENTS,
    outbox=OUTBOX,
    registry=REGISTRY,
    produces=False,
    subscriptions=[
        Subscription(
            "reviews-products",
            source="products",
            handlers={
                "ProductCreated": on_product_facts,
                "ProductUpdated": on_product_facts,
                "ProductDiscontinued": on_product_discontinued,
            },
        )
    ],
)
