"""Domain events: typed envelopes, a transactional outbox, a JetStream relay, idempotent consumers.

Generic like `loaders/`: it knows SQLAlchemy and NATS, never a domain. A domain
declares its event types (`EventType`), adds the event tables to its metadata and
migrations (`EventTables`, `create_event_tables`), records events in the transaction
of the state change (`Outbox.record`), and consumes other domains' events with a
`Consumer` whose handler runs in the same transaction as the processed-id record.
See docs/events.md.
"""

from __future__ import annotations

from events.config import EventsConfig
from events.consumer import Consumer, ConsumerStats, Handler, PermanentError
from events.dead_letters import DeadLetter, read_dead_letters
from events.envelope import Event, EventRegistry, EventType, PayloadError
from events.outbox import Outbox
from events.relay import Relay, RelayStats
from events.streams import Streams
from events.tables import EventTables, create_event_tables

__all__ = [
    "Consumer",
    "ConsumerStats",
    "DeadLetter",
    "Event",
    "EventRegistry",
    "EventTables",
    "EventType",
    "EventsConfig",
    "Handler",
    "Outbox",
    "PayloadError",
    "PermanentError",
    "Relay",
    "RelayStats",
    "Streams",
    "create_event_tables",
    "read_dead_letters",
]
