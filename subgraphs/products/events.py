"""products only produces events (the catalogue's facts); it consumes none."""

from __future__ import annotations

from subgraphs._common.event_types import REGISTRY
from subgraphs._common.eventing import DomainEvents
from subgraphs.products.models import EVENTS, OUTBOX

DOMAIN_EVENTS = DomainEvents(tables=EVENTS, outbox=OUTBOX, registry=REGISTRY)
